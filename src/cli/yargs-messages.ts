// yargs's usage errors, said in permsnap's own words: one line that names the option as it
// was typed (yargs says "Unknown argument: root" for --root, which reads like a path) and
// what was expected. A message not recognised here is kept as yargs wrote it.

/** What the translation needs of the command line: the words given, the command named (if any), its operands, the commands there are. */
export interface UsageContext {
  argv: readonly string[];
  command: string | undefined;
  /** The command's operands as its synopsis names them ("<before> <after>", "[paths..]"). */
  operands: string;
  commands: readonly string[];
}

export function usageText(message: string, context: UsageContext): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) return unknownArguments((unknown[1] as string).split(', '), context);
  const choices = /^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(message);
  if (choices) {
    const allowed = (choices[3] as string).split(', ').map(unquoted).join(', ');
    return `unknown value ${JSON.stringify(unquoted(choices[2] as string))} for --${choices[1]}, expected one of ${allowed}`;
  }
  const noValue = /^Not enough arguments following: (\S+)$/.exec(message);
  if (noValue) return `--${noValue[1]} needs a value`;
  const operands = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(message);
  if (operands && context.command !== undefined) return `${context.command} needs ${operandNames(context.operands)} (got ${operands[1]} operand(s))`;
  return message;
}

function unknownArguments(items: readonly string[], { argv, command, operands, commands }: UsageContext): string {
  const first = items[0] as string;
  // No command named: the first word was meant to be one.
  if (command === undefined && !first.startsWith('-') && argv.find((a) => !a.startsWith('-')) === first) {
    return `unknown command "${first}", expected one of ${commands.join(', ')}`;
  }
  const options = items.map((item) => optionTyped(item, argv)).filter((o): o is string => o !== null);
  if (options.length > 0) return `unknown option${options.length > 1 ? 's' : ''} ${options.join(', ')}${command === undefined ? '' : ` for ${command}`}`;
  return `unexpected operand${items.length > 1 ? 's' : ''} ${items.map((w) => `"${w}"`).join(', ')}${command === undefined ? '' : ` (${command} takes ${operandNames(operands)})`}`;
}

/**
 * An unknown argument as the option typed, when it was one ("root" was --root, "Z" was -Z);
 * null for an operand (yargs names options without their dashes: a word with one is an
 * operand, given after "--").
 */
function optionTyped(item: string, argv: readonly string[]): string | null {
  if (item.startsWith('-')) return null;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === `--${item}` || arg.startsWith(`--${item}=`)) return `--${item}`;
    if (item.length === 1 && /^-[^-]/.test(arg) && arg.slice(1).includes(item)) return `-${item}`;
  }
  return null;
}

const unquoted = (text: string): string => text.replace(/^"(.*)"$/, '$1');

/** "<before> <after>" -> "BEFORE AFTER"; "[paths..]" -> "PATH..." */
function operandNames(synopsis: string): string {
  return synopsis.replace(/[<[](\w+?)s?(\.\.)?[>\]]/g, (_m, name: string, more?: string) => (more ? `${name.toUpperCase()}...` : name.toUpperCase()));
}
