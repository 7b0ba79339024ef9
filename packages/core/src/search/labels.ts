/** Word forms a person may type for a label: "cup" -> cup, cups; "bus" -> bus, buses. */
function forms(label: string): string[] {
  const last = label.split(" ").pop() ?? label;
  const head = label.slice(0, label.length - last.length);
  const plural = /(s|x|z|ch|sh)$/.test(last) ? `${last}es` : /[^aeiou]y$/.test(last) ? `${last.slice(0, -1)}ies` : `${last}s`;
  return [label, head + plural];
}

const normalise = (text: string) => ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim()} `;

/**
 * Labels (from a detector's vocabulary) that a query names as whole words, singular or plural:
 * "two cats on a dining table" -> cat, dining table.
 */
export function labelsNamedIn(query: string, vocabulary: readonly string[]): string[] {
  const text = normalise(query);
  return vocabulary.filter((label) => forms(label.toLowerCase()).some((form) => text.includes(normalise(form))));
}
