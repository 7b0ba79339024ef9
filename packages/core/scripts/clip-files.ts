/** The non-ONNX files of a CLIP export that transformers.js reads, shared by the generated models. */

export const BOS = "<|startoftext|>";
export const EOS = "<|endoftext|>";
export const CLIP_IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_IMAGE_STD = [0.26862954, 0.26130258, 0.27577711];

/** tokenizer_config.json of CLIP's tokenizer. */
export function tokenizerConfig(maxLength: number) {
  return {
    add_prefix_space: false,
    bos_token: BOS,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: EOS,
    errors: "replace",
    model_max_length: maxLength,
    pad_token: EOS,
    tokenizer_class: "CLIPTokenizer",
    unk_token: EOS,
  };
}

/** CLIP's own image preprocessing: shortest edge to `size` (bicubic), centre crop `size`, normalise. */
export function preprocessorConfig(size = 224) {
  return {
    crop_size: { height: size, width: size },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    feature_extractor_type: "CLIPFeatureExtractor",
    image_mean: CLIP_IMAGE_MEAN,
    image_processor_type: "CLIPImageProcessor",
    image_std: CLIP_IMAGE_STD,
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: size },
  };
}

/** Byte-level BPE's 256 base symbols (printable bytes as themselves, the rest shifted past 255). */
export function byteSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const symbols = printable.map((b) => String.fromCodePoint(b));
  let shifted = 256;
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) symbols.push(String.fromCodePoint(shifted++));
  return symbols;
}

/**
 * Byte-pair merges learnt from whole words (the last character of each carries `</w>`): the most
 * frequent adjacent pair first, ties broken by name, so the same words give the same merges.
 */
export function learnMerges(words: readonly string[]): [string, string][] {
  const split = words.map((word) => {
    const pieces = Array.from(word);
    pieces[pieces.length - 1] += "</w>";
    return pieces;
  });
  const merges: [string, string][] = [];
  for (;;) {
    const counts = new Map<string, { pair: [string, string]; count: number }>();
    for (const pieces of split) {
      for (let i = 0; i + 1 < pieces.length; i++) {
        const key = `${pieces[i]} ${pieces[i + 1]}`;
        const entry = counts.get(key);
        if (entry) entry.count++;
        else counts.set(key, { pair: [pieces[i]!, pieces[i + 1]!], count: 1 });
      }
    }
    let best: { key: string; pair: [string, string]; count: number } | undefined;
    for (const [key, entry] of counts) {
      if (!best || entry.count > best.count || (entry.count === best.count && key < best.key)) best = { key, ...entry };
    }
    if (!best) return merges;
    const [left, right] = best.pair;
    merges.push([left, right]);
    for (const pieces of split) {
      for (let i = 0; i + 1 < pieces.length; i++) {
        if (pieces[i] === left && pieces[i + 1] === right) pieces.splice(i, 2, left + right);
      }
    }
  }
}

/** The BPE vocabulary: every byte symbol, alone and word-final, then what each merge makes. */
export function bpeVocab(merges: readonly [string, string][]): Map<string, number> {
  const symbols = byteSymbols();
  const vocab = new Map<string, number>();
  for (const token of [...symbols, ...symbols.map((s) => `${s}</w>`), ...merges.map(([a, b]) => a + b)]) {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  }
  return vocab;
}

/** tokenizer.json of CLIP's BPE tokenizer (normaliser, splitter, start/end tokens) over a vocabulary. */
export function tokenizerJson(vocab: Map<string, number>, merges: readonly [string, string][], bosId: number, eosId: number) {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(bosId, BOS), special(eosId, EOS)],
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "NFC" }, { type: "Replace", pattern: { Regex: "\\s+" }, content: " " }, { type: "Lowercase" }],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: "Removed",
          invert: true,
        },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: "RobertaProcessing", sep: [EOS, eosId], cls: [BOS, bosId], trim_offsets: false, add_prefix_space: false },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}
