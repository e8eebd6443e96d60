/**
 * Counts as people read them: "1 row", "2 rows", "0 messages". English only needs the
 * plural form spelled out for the odd irregular noun.
 */
export function noun(n: number, singular: string, pluralForm = `${singular}s`): string {
  return n === 1 ? singular : pluralForm;
}

/** `n` and its noun; `format` renders the number (e.g. with thousands separators). */
export function counted(
  n: number,
  singular: string,
  pluralForm?: string,
  format: (n: number) => string = String,
): string {
  return `${format(n)} ${noun(n, singular, pluralForm)}`;
}
