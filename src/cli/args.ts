/** Minimal argv parsing shared by the CLI entry points: `--flag`, `--key value`, positionals. */
export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string>;
  positionals: string[];
}

export function parseArgs(argv: string[], valueKeys: string[] = []): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      if (v !== undefined) values.set(k, v);
      else if (valueKeys.includes(k)) {
        if (i + 1 >= argv.length) throw new Error(`--${k} needs a value`);
        values.set(k, argv[++i]);
      } else flags.add(k);
    } else positionals.push(a);
  }
  return { flags, values, positionals };
}
