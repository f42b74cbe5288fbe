#!/usr/bin/env node
/**
 * The `kanwasm` command: fit a KAN to a CSV file or discover its formula, then predict, print
 * its formula, describe it or draw it. Exit codes: 0 success, 2 bad usage or bad data, 1 any other failure.
 */
import process from "node:process";
import { helpText, parseCommand, type Command } from "./args.js";
import { discoverCommand } from "./discover.js";
import { describeFailure, UsageError } from "./errors.js";
import { fitCommand } from "./fit.js";
import { formulaCommand } from "./formula.js";
import { infoCommand } from "./info.js";
import { predictCommand } from "./predict.js";
import { svgCommand } from "./svg.js";

const commands: Command[] = [fitCommand, discoverCommand, predictCommand, formulaCommand, infoCommand, svgCommand];

const usage = `usage: kanwasm <command> [arguments] [options]

Kolmogorov-Arnold Networks from CSV files.

commands:
${commands.map((c) => `  ${c.spec.name.padEnd(9)}${c.spec.summary}`).join("\n")}

\`kanwasm <command> --help\` describes each command.
exit codes: 0 success, 2 bad usage or bad data, 1 any other failure
`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage);
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const cmd = commands.find((c) => c.spec.name === name);
  if (!cmd) {
    const names = commands.map((c) => c.spec.name).join(", ");
    throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${names}`, "kanwasm");
  }
  const args = parseCommand(cmd.spec, rest);
  if (!args) {
    process.stdout.write(helpText(cmd.spec));
    return;
  }
  await cmd.run(args);
}

const argv = process.argv.slice(2);
try {
  await main(argv);
} catch (e) {
  const { code, message } = describeFailure(e);
  const known = commands.some((c) => c.spec.name === argv[0]);
  process.stderr.write(`kanwasm${known ? ` ${argv[0]}` : ""}: ${message}\n`);
  process.exitCode = code;
}
