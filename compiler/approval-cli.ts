import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { idSchema } from './format/notice-schema.ts';
import { approveNotice, vietnamInstant } from './io/approve-notice.ts';
import { readApproverRegistry, writeApproverRegistry } from './io/approver-registry-file.ts';
import { appendWithdrawal, readWithdrawals, withdrawalsPath } from './io/withdrawals-file.ts';
import { withdrawnNotices } from './format/withdrawals.ts';
import { readNotices } from './io/read-notices.ts';
import { run, UsageError, type OptionSpec } from './cli.ts';
import { generateStationKeyPair, keyId, loadPrivateKey, loadPublicKey } from './trust/station-key.ts';

// The approval workflow's commands: approver add | list | remove, approve, withdraw.
// Argument parsing only; the work is in compiler/io and compiler/trust.

function parseWithPositionals(args: string[], options: OptionSpec, help: string) {
  try {
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
}

function option(values: Record<string, unknown>, name: string, help: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required\n\n${help}`);
  return value;
}

function noticeId(value: string | undefined, help: string): string {
  if (value === undefined || !idSchema.safeParse(value).success) throw new UsageError(`give an id of lower-case letters, digits and hyphens (got ${value === undefined ? 'none' : `"${value}"`})\n\n${help}`);
  return value;
}

const APPROVER_HELP = `usage: signage approver add ID --name NAME --role ROLE --approvers FILE [--key-out FILE] [--public-key FILE]
       signage approver list --approvers FILE
       signage approver remove ID --approvers FILE
  add      registers an approver. Makes their Ed25519 key pair: the private key goes to --key-out
           (default: beside FILE, ID.key, mode 600; give it to the approver only) and the public
           key into the registry. With --public-key, registers a key the approver made elsewhere.
  list     shows the registered approvers and their key ids
  remove   takes an approver off the registry: notices they signed stop compiling when the
           station compiles with --approvers`;

export async function approverCommand(args: string[]): Promise<number> {
  return run(APPROVER_HELP, async () => {
    const { values, positionals } = parseWithPositionals(
      args,
      { name: { type: 'string' }, role: { type: 'string' }, approvers: { type: 'string' }, 'key-out': { type: 'string' }, 'public-key': { type: 'string' }, force: { type: 'boolean' } },
      APPROVER_HELP,
    );
    const [action, id] = positionals;
    if (values.help || !action) return (process.stdout.write(`${APPROVER_HELP}\n`), values.help ? 0 : 2);
    const file = option(values, 'approvers', APPROVER_HELP);
    if (action === 'list') {
      const registry = await readApproverRegistry(file, { missingIsEmpty: true });
      if (registry.approvers.length === 0) process.stdout.write(`no approvers registered in ${file}\n`);
      for (const a of registry.approvers) process.stdout.write(`${a.id.padEnd(20)} ${a.keyId}  ${a.name} — ${a.role} (added ${a.added})\n`);
      return 0;
    }
    if (action === 'remove') {
      const approverId = noticeId(id, APPROVER_HELP);
      const registry = await readApproverRegistry(file);
      if (!registry.approvers.some((a) => a.id === approverId)) throw new Error(`${approverId} is not in ${file}; "signage approver list --approvers ${file}" shows who is`);
      await writeApproverRegistry(file, { approvers: registry.approvers.filter((a) => a.id !== approverId) });
      process.stdout.write(`removed approver ${approverId} from ${file}\n`);
      return 0;
    }
    if (action !== 'add') throw new UsageError(`unknown action "${action}"\n\n${APPROVER_HELP}`);
    const approverId = noticeId(id, APPROVER_HELP);
    const name = option(values, 'name', APPROVER_HELP).normalize('NFC');
    const role = option(values, 'role', APPROVER_HELP).normalize('NFC');
    const registry = await readApproverRegistry(file, { missingIsEmpty: true });
    if (registry.approvers.some((a) => a.id === approverId)) throw new Error(`${approverId} is already registered in ${file}; remove them first ("signage approver remove ${approverId}") to give them a new key`);
    let publicKeyPem: string;
    let keyOut: string | undefined;
    if (typeof values['public-key'] === 'string') {
      publicKeyPem = await readFile(values['public-key'], 'utf8');
      loadPublicKey(publicKeyPem);
    } else {
      const pair = generateStationKeyPair();
      publicKeyPem = pair.publicKeyPem;
      keyOut = typeof values['key-out'] === 'string' ? values['key-out'] : join(dirname(file), `${approverId}.key`);
      await mkdir(dirname(keyOut), { recursive: true });
      try {
        await writeFile(keyOut, pair.privateKeyPem, { mode: 0o600, flag: values.force ? 'w' : 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${keyOut} already exists; pass --key-out to put the new key elsewhere, or --force to replace it`);
        throw error;
      }
      await chmod(keyOut, 0o600);
    }
    const added = { id: approverId, name, role, keyId: keyId(loadPublicKey(publicKeyPem)), publicKey: publicKeyPem, added: vietnamInstant(Date.now()) };
    await writeApproverRegistry(file, { approvers: [...registry.approvers, added] });
    process.stdout.write(`registered approver ${approverId} (${name}, ${role}), key ${added.keyId}, in ${file}\n`);
    if (keyOut) process.stdout.write(`  private key: ${keyOut} (give it to ${name} only; they approve with "signage approve FILE --as ${approverId} --key ${keyOut}")\n`);
    return 0;
  });
}

const APPROVE_HELP = `usage: signage approve FILE --as ID --key FILE --approvers FILE
  signs the notice FILE's current content as approver ID (registered with "signage approver add")
  and writes the approval (by, role, at, approver, signature) into its front matter. Any later
  edit of the notice or its pictures needs a new approval.`;

export async function approveCommand(args: string[]): Promise<number> {
  return run(APPROVE_HELP, async () => {
    const { values, positionals } = parseWithPositionals(args, { as: { type: 'string' }, key: { type: 'string' }, approvers: { type: 'string' } }, APPROVE_HELP);
    if (values.help) return (process.stdout.write(`${APPROVE_HELP}\n`), 0);
    if (positionals.length !== 1) throw new UsageError(`give exactly one notice file\n\n${APPROVE_HELP}`);
    const file = positionals[0]!;
    const approverId = option(values, 'as', APPROVE_HELP);
    const registryFile = option(values, 'approvers', APPROVE_HELP);
    const keyFile = option(values, 'key', APPROVE_HELP);
    const registry = await readApproverRegistry(registryFile);
    const approver = registry.approvers.find((a) => a.id === approverId);
    if (!approver) throw new Error(`${approverId} is not a registered approver in ${registryFile}; register them with "signage approver add ${approverId} --name … --role … --approvers ${registryFile}"`);
    let privateKey;
    try {
      privateKey = loadPrivateKey(await readFile(keyFile, 'utf8'));
    } catch (error) {
      throw new Error(`cannot use --key ${keyFile}: ${(error as Error).message}`);
    }
    const approval = await approveNotice({ file, approver, privateKey, atMs: Date.now() });
    process.stdout.write(`approved ${file} as ${approver.id} (${approval.by}, ${approval.role}) at ${approval.at}\n`);
    return 0;
  });
}

const WITHDRAW_HELP = `usage: signage withdraw ID --notices DIR [--by NAME] [--reason TEXT] [--restore]
       signage withdraw --list --notices DIR
  withdraws the notice ID: the next compile leaves it off every screen and reports it as
  withdrawn. --restore undoes a withdrawal. Each action is appended to DIR/withdrawals.yaml
  with who (--by, default the system user) and when.`;

export async function withdrawCommand(args: string[]): Promise<number> {
  return run(WITHDRAW_HELP, async () => {
    const { values, positionals } = parseWithPositionals(
      args,
      { notices: { type: 'string' }, by: { type: 'string' }, reason: { type: 'string' }, restore: { type: 'boolean' }, list: { type: 'boolean' } },
      WITHDRAW_HELP,
    );
    if (values.help) return (process.stdout.write(`${WITHDRAW_HELP}\n`), 0);
    const noticesDir = option(values, 'notices', WITHDRAW_HELP);
    if (values.list) {
      const withdrawn = withdrawnNotices(await readWithdrawals(noticesDir));
      if (withdrawn.size === 0) process.stdout.write('no notice is withdrawn\n');
      for (const entry of withdrawn.values()) process.stdout.write(`${entry.id}  withdrawn by ${entry.by} at ${entry.at}${entry.reason ? ` (${entry.reason})` : ''}\n`);
      return 0;
    }
    const id = noticeId(positionals[0], WITHDRAW_HELP);
    const by = (typeof values.by === 'string' && values.by.trim() !== '' ? values.by : userInfo().username).normalize('NFC');
    const action = values.restore ? 'restore' : 'withdraw';
    const known = await readNotices(noticesDir);
    const exists = known.notices.some((n) => n.front.id === id);
    await appendWithdrawal(noticesDir, { id, action, by, at: vietnamInstant(Date.now()), ...(typeof values.reason === 'string' ? { reason: values.reason.normalize('NFC') } : {}) });
    process.stdout.write(`${action === 'withdraw' ? 'withdrew' : 'restored'} ${id} (recorded in ${withdrawalsPath(noticesDir)}); it ${action === 'withdraw' ? 'leaves every screen' : 'returns to its screens'} at the next compile and publish\n`);
    if (!exists) process.stderr.write(`warning: no notice file in ${noticesDir} has id ${id} now; the ${action} is recorded and applies if one appears (for example from a source feed)\n`);
    return 0;
  });
}
