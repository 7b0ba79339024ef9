/** Search phrases like users type them, built from words the bench model's tokenizer knows. */
import { uniformSource } from "./vectors.js";

const SUBJECTS = ["car", "truck", "bus", "bicycle", "dog", "cat", "horse", "bird", "man", "woman", "child", "person", "boat", "train", "plane", "ball", "kite", "umbrella"];
const LOOKS = ["red", "blue", "green", "yellow", "black", "white", "small", "large", "old", "young", "bright", "dark"];
const ACTIONS = ["running", "walking", "sitting", "standing", "parked", "flying", "jumping", "playing", "crossing", "waving", "holding a phone", "eating"];
const PLACES = ["on a street", "at the beach", "in a park", "near a river", "in a kitchen", "on a bridge", "in the snow", "at night", "in the rain", "near a building", "on a field", "in a crowded city"];

/** `count` distinct phrases ("a red car parked on a street"), the same for a seed. */
export function searchPhrases(count: number, seed = 7): string[] {
  const uniform = uniformSource(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(uniform() * list.length)]!;
  const phrases = new Set<string>();
  while (phrases.size < count) {
    const shape = Math.floor(uniform() * 4);
    const subject = pick(SUBJECTS);
    if (shape === 0) phrases.add(`${pick(LOOKS)} ${subject}`);
    else if (shape === 1) phrases.add(`a ${pick(LOOKS)} ${subject} ${pick(ACTIONS)}`);
    else if (shape === 2) phrases.add(`a ${subject} ${pick(ACTIONS)} ${pick(PLACES)}`);
    else phrases.add(`a photo of a ${pick(LOOKS)} ${subject} ${pick(ACTIONS)} ${pick(PLACES)}`);
  }
  return [...phrases];
}
