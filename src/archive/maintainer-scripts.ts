// What a .deb's control archive says that its data archive cannot: the package's name, and
// whether its preinst or postinst change permissions themselves (ping's capability comes
// from its postinst's setcap, not from the archive), so a baseline can say what it lacks.

/** The scripts dpkg runs at installation; only these can set the installed permissions. */
export const INSTALL_SCRIPTS = ['preinst', 'postinst'] as const;
export type InstallScript = (typeof INSTALL_SCRIPTS)[number];

/** Commands that change owners, modes, ACLs or capabilities. */
const PERMISSION_COMMANDS = ['chmod', 'chown', 'chgrp', 'setcap', 'setfacl', 'dpkg-statoverride'];
const COMMAND = new RegExp(`(?<![\\w.-])(${PERMISSION_COMMANDS.join('|')})(?![\\w.-])`, 'g');

export interface ScriptFinding {
  script: InstallScript;
  /** The permission commands the script names (it may only mention one), each once, in order of first use. */
  commands: string[];
}

/** The permission commands a shell script names, as words outside comments; [] for none. */
export function permissionCommands(script: string): string[] {
  const found = new Set<string>();
  for (const line of script.split('\n')) {
    // A `#` at the start of a word starts a comment (sh); one inside a word does not.
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const m of code.matchAll(COMMAND)) found.add(m[1]!);
  }
  return [...found];
}

/** A control file's field (`Package`, `Version`), or undefined. */
export function controlField(control: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:[ \\t]*(.*?)[ \\t]*$`, 'mi').exec(control);
  return m?.[1] === '' ? undefined : m?.[1];
}
