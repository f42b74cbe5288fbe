/**
 * Column names as variable names: kept as they are for text and LaTeX formulas and pictures,
 * turned into JavaScript identifiers for "js" formulas.
 */
export function jsIdentifiers(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let id = n.replace(/[^A-Za-z0-9_$]/g, "_");
    if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
    while (seen.has(id)) id += "_";
    seen.add(id);
    return id;
  });
}

/** The names a formula of `format` gets, or undefined when there are none. */
export function formulaNames(names: string[] | undefined, format: string): string[] | undefined {
  if (names === undefined) return undefined;
  return format === "js" ? jsIdentifiers(names) : names;
}
