/** A word's possible singular forms: "cups" -> cups, cup; "buses" -> buses, bus; "berries" -> berry. */
function singulars(word: string): string[] {
  const forms = [word];
  if (word.endsWith("ies") && word.length > 4) forms.push(`${word.slice(0, -3)}y`);
  if (word.endsWith("es") && word.length > 3) forms.push(word.slice(0, -2));
  if (word.endsWith("s") && !word.endsWith("ss") && word.length > 2) forms.push(word.slice(0, -1));
  return forms;
}

/**
 * The labels a query could be naming, as whole words or two-word names, singular or plural:
 * "two cats on a dining table" -> two, cat, cats, ..., dining table. Looked up as they are in the
 * objects' label index, so no label vocabulary needs reading per query.
 */
export function labelCandidates(query: string): string[] {
  const words = query.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const candidates = new Set<string>();
  words.forEach((word, i) => {
    for (const form of singulars(word)) candidates.add(form);
    const previous = words[i - 1];
    if (previous) for (const form of singulars(word)) candidates.add(`${previous} ${form}`);
  });
  return [...candidates].slice(0, 200);
}
