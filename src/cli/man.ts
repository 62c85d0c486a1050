// Manual pages, minic(1) and minic-COMMAND(1), in roff from the same help pages as --help (so
// from the parser's flag tables). Made by `make man` and installed by `make install`.
import { helpPage, mainDefinition, VERBS, VERSION } from "./command.ts";
import type { HelpPage } from "./help.ts";

/** roff's special characters: a backslash, and a leading dot or quote. */
function escape(text: string): string {
  return text.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");
}

function page(name: string, help: HelpPage, date: string, seeAlso: string[]): string {
  const title = name.toUpperCase();
  const out = [
    `.TH ${title} 1 "${date}" "minic ${VERSION}" "minic manual"`,
    ".SH NAME",
    `${name} \\- ${escape(help.description)}`,
    ".SH SYNOPSIS",
    `.B ${escape(help.usage)}`,
    ".SH DESCRIPTION",
    escape(help.description),
  ];
  if (help.commands !== undefined) {
    out.push(".SH COMMANDS");
    for (const [command, text] of help.commands.rows) out.push(".TP", `.B ${escape(command)}`, escape(text));
  }
  const flags = help.flags.filter((flag) => flag.name !== "help");
  if (flags.length > 0) {
    out.push(".SH OPTIONS");
    for (const flag of flags) {
      const forms = [...(flag.short !== undefined ? [`\\fB\\-${flag.short}\\fR`] : []), `\\fB\\-\\-${escape(flag.name)}\\fR`].join(", ");
      out.push(".TP", `${forms}${flag.kind === "boolean" ? "" : ` \\fI${escape(flag.valueHint ?? flag.kind)}\\fR`}`, escape(flag.description));
    }
  }
  if (help.examples !== undefined && help.examples.length > 0) {
    out.push(".SH EXAMPLES");
    for (const example of help.examples) out.push(".PP", ".nf", escape(example), ".fi");
  }
  if (help.environment !== undefined && help.environment.length > 0) {
    out.push(".SH ENVIRONMENT");
    for (const [variable, text] of help.environment) out.push(".TP", `.B ${variable}`, escape(text));
  }
  if (help.exitCodes !== undefined && help.exitCodes.length > 0) {
    out.push(".SH EXIT STATUS");
    for (const [code, text] of help.exitCodes) out.push(".TP", `.B ${code}`, escape(text));
  }
  out.push(".SH SEE ALSO", seeAlso.map((other) => `\\fB${escape(other)}\\fR(1)`).join(", "));
  return `${out.join("\n")}\n`;
}

/** Every page, by file name: minic.1 and minic-COMMAND.1. */
export async function manPages(date: string): Promise<Record<string, string>> {
  const names = Object.keys(VERBS);
  const pages: Record<string, string> = { "minic.1": page("minic", await helpPage(mainDefinition), date, names.map((name) => `minic-${name}`)) };
  for (const [name, load] of Object.entries(VERBS)) {
    const command = await load();
    const subs = Object.keys(command.subcommands ?? {}).map((sub) => `minic-${name}-${sub}`);
    pages[`minic-${name}.1`] = page(`minic-${name}`, await helpPage(command.definition), date, ["minic", ...subs]);
    // A command of commands: a page for each, as Docker's docker-network-create(1).
    for (const [sub, definition] of Object.entries(command.subcommands ?? {})) {
      pages[`minic-${name}-${sub}.1`] = page(`minic-${name}-${sub}`, await helpPage(definition), date, [`minic-${name}`]);
    }
  }
  return pages;
}
