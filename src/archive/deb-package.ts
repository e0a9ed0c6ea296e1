// One .deb package read as the archives it holds (deb(5)): `debian-binary`, then the control
// archive, whose control file and install scripts are kept, then the data archive, whose tar
// members are yielded as tar-members.ts reads them. Streamed: nothing is held but the scripts.

import { PermsnapError } from '../errors.js';
import { isContainerError, readArMembers, type ArMember } from './ar-members.js';
import { decompress } from './decompress.js';
import { controlField, INSTALL_SCRIPTS, permissionCommands, type ScriptFinding } from './maintainer-scripts.js';
import { readTarMembers, type TarMember } from './tar-members.js';

export interface DebControl {
  /** The control file's Package field (undefined until the control archive was read). */
  package?: string;
  version?: string;
  /** The install scripts that change permissions themselves. */
  scripts: ScriptFinding[];
}

const CONTROL = /^control\.tar(\.[a-z0-9]+)?$/;
const DATA = /^data\.tar(\.[a-z0-9]+)?$/;

/** The data archive's members, in archive order; `control` is filled in before the first. */
export async function* readDebData(source: AsyncIterable<Uint8Array>, control: DebControl): AsyncGenerator<TarMember> {
  let index = 0;
  let sawControl = false;
  for await (const member of readArMembers(source)) {
    index++;
    if (index === 1) {
      await checkFormat(member);
    } else if (CONTROL.test(member.name)) {
      await readControl(member, control);
      sawControl = true;
    } else if (DATA.test(member.name)) {
      if (!sawControl) throw notDeb(`"${member.name}" comes before the control archive, expected control.tar first`);
      yield* within(member, installedMembers(readTarMembers(await tarOf(member))));
      return;
    } else if (!member.name.startsWith('_')) {
      // dpkg ignores members starting with "_" (deb(5)); anything else is not a package it reads.
      throw notDeb(`unexpected member "${member.name}", expected control.tar and data.tar`);
    }
  }
  throw notDeb(sawControl ? 'no data.tar member' : 'no control.tar or data.tar member');
}

async function checkFormat(member: ArMember): Promise<void> {
  if (member.name !== 'debian-binary') throw notDeb(`first member is "${member.name}", expected "debian-binary"`);
  let text = '';
  for await (const chunk of member.body) text += (chunk as Buffer).toString('latin1');
  if (!/^2\.\d+\n/.test(text)) throw notDeb(`debian-binary says ${JSON.stringify(text.slice(0, 20))}, expected format "2.0"`);
}

async function readControl(member: ArMember, control: DebControl): Promise<void> {
  const wanted = new Set<string>(['control', ...INSTALL_SCRIPTS]);
  const name = (member: string): string => member.replace(/^(\.\/)+/, '');
  const tar = readTarMembers(await tarOf(member), { contentOf: (n) => wanted.has(name(n)) });
  for await (const file of within(member, tar)) {
    const text = file.content?.toString('latin1');
    if (text === undefined) continue;
    const which = name(file.name);
    if (which === 'control') {
      control.package = controlField(text, 'Package');
      control.version = controlField(text, 'Version');
      continue;
    }
    const commands = permissionCommands(text);
    if (commands.length > 0) control.scripts.push({ script: which as ScriptFinding['script'], commands });
  }
}

async function tarOf(member: ArMember): Promise<import('node:stream').Readable> {
  try {
    return (await decompress(member.body)).stream;
  } catch (err) {
    throw inMember(err, member);
  }
}

/**
 * The data archive's members but its `./`: dpkg never sets the directory it installs into
 * (nor any directory that exists already). Kept, a package built without --root-owner-group
 * would have restore --root / give / the builder's owner and mode.
 */
async function* installedMembers(members: AsyncGenerator<TarMember>): AsyncGenerator<TarMember> {
  for await (const member of members) if (!INSTALL_ROOT.test(member.name)) yield member;
}

/** ".", "./", "/", "" and the like: the root, however a data archive names it. */
const INSTALL_ROOT = /^(?:\.?\/+)*\.?$/;

/** The members of a tar inside an ar member, its errors saying which member they are about. */
async function* within<T>(member: ArMember, members: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* members;
  } catch (err) {
    throw inMember(err, member);
  }
}

function inMember(err: unknown, member: ArMember): unknown {
  if (isContainerError(err) || !(err instanceof PermsnapError)) return err;
  return new PermsnapError(err.code, `${member.name}: ${err.message}`, { cause: err.cause ?? err });
}

function notDeb(what: string): PermsnapError {
  return new PermsnapError('MALFORMED', `not a .deb package: ${what}`);
}
