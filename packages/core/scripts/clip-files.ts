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

/** CLIP's own image preprocessing: shortest edge to 224 (bicubic), centre crop 224, normalise. */
export function preprocessorConfig() {
  return {
    crop_size: { height: 224, width: 224 },
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
    size: { shortest_edge: 224 },
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
