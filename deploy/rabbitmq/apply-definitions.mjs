#!/usr/bin/env node
// Creates or updates the broker users of deploy/rabbitmq/definitions.json with exactly their declared permissions,
// taking each user's password from the AMQP_URL its service is given, so the password lives in one Secret only.
//
//   node deploy/rabbitmq/apply-definitions.mjs [--via management|rabbitmqctl] [--vhost <name>] [--user-suffix <s>]
//
// Per declared user, the environment holds the URL its service uses: `pp-sync-worker` -> PP_SYNC_WORKER_AMQP_URL.
// The URL must name that user and the target vhost; a missing or mismatched URL stops the script before any change.
//   --via management (default): the management HTTP API at RABBITMQ_MANAGEMENT_URL (default http://127.0.0.1:15672)
//                               as RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD (an administrator). Kubernetes, compose.
//   --via rabbitmqctl:          the local node's CLI (passwords appear in its arguments: development and tests only).
//   --vhost:                    apply the declared permissions to this vhost instead of the file's (tests).
//   --user-suffix:              append this to every user name (tests, whose users must not collide with others).
//
// Not RabbitMQ's own `load_definitions`: importing a user without a password hash clears the password of an
// existing user, so a node that re-imported the file at boot would lock every service out.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

function parseArguments(argv) {
  const options = { via: 'management', vhost: undefined, userSuffix: '' };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (value === undefined) throw new Error(`${flag}: needs a value`);
    if (flag === '--via' && ['management', 'rabbitmqctl'].includes(value)) options.via = value;
    else if (flag === '--vhost') options.vhost = value;
    else if (flag === '--user-suffix') options.userSuffix = value;
    else throw new Error(`unknown argument ${flag} ${value}`);
  }
  return options;
}

export function urlVariableOf(user) {
  return `${user.toUpperCase().replaceAll('-', '_')}_AMQP_URL`;
}

/** What to apply: the file's users, permissions and topic permissions, renamed for --vhost and --user-suffix. */
export function planOf(definitions, { vhost, userSuffix = '' }, env) {
  const vhostOf = (declared) => vhost ?? declared;
  const nameOf = (user) => `${user}${userSuffix}`;
  const problems = [];
  const users = definitions.users.map((user) => {
    const variable = urlVariableOf(user.name);
    const declaredVhosts = definitions.permissions.filter((p) => p.user === user.name).map((p) => vhostOf(p.vhost));
    const raw = env[variable];
    if (!raw) {
      problems.push(`${variable} is not set (the AMQP_URL of ${user.name})`);
      return undefined;
    }
    const url = new URL(raw);
    const name = decodeURIComponent(url.username);
    const urlVhost = decodeURIComponent(url.pathname.replace(/^\//, '')) || '/';
    if (name !== nameOf(user.name)) problems.push(`${variable} names user '${name}', expected '${nameOf(user.name)}'`);
    if (!declaredVhosts.includes(urlVhost))
      problems.push(`${variable} names vhost '${urlVhost}', not '${declaredVhosts}'`);
    if (!url.password) problems.push(`${variable} has no password`);
    return { name: nameOf(user.name), password: decodeURIComponent(url.password), tags: user.tags ?? [] };
  });
  if (problems.length > 0) throw new Error(`Nothing applied:\n  - ${problems.join('\n  - ')}`);
  return {
    vhosts: [...new Set(definitions.vhosts.map((entry) => vhostOf(entry.name)))],
    users,
    permissions: definitions.permissions.map((p) => ({ ...p, user: nameOf(p.user), vhost: vhostOf(p.vhost) })),
    topicPermissions: definitions.topic_permissions.map((p) => ({
      ...p,
      user: nameOf(p.user),
      vhost: vhostOf(p.vhost),
    })),
  };
}

function managementBackend(env) {
  const base = (env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672').replace(/\/$/, '');
  const admin = env.RABBITMQ_ADMIN_USER;
  if (!admin || !env.RABBITMQ_ADMIN_PASSWORD)
    throw new Error('RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD are required');
  const authorization = `Basic ${Buffer.from(`${admin}:${env.RABBITMQ_ADMIN_PASSWORD}`).toString('base64')}`;
  const put = async (path, body) => {
    const response = await fetch(`${base}/api/${path.map(encodeURIComponent).join('/')}`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT /api/${path[0]}/… answered ${response.status}: ${await response.text()}`);
  };
  return {
    vhost: (name) => put(['vhosts', name], {}),
    user: ({ name, password, tags }) => put(['users', name], { password, tags: tags.join(',') }),
    permissions: (p) => put(['permissions', p.vhost, p.user], { configure: p.configure, write: p.write, read: p.read }),
    topicPermissions: (p) =>
      put(['topic-permissions', p.vhost, p.user], { exchange: p.exchange, write: p.write, read: p.read }),
  };
}

function rabbitmqctlBackend() {
  const ctl = (...args) => run('rabbitmqctl', ['-q', ...args]);
  const listed = async (...args) => (await ctl(...args)).stdout.split('\n').map((line) => line.split('\t')[0]);
  return {
    vhost: async (name) => {
      if (!(await listed('list_vhosts', 'name')).includes(name)) await ctl('add_vhost', name);
    },
    user: async ({ name, password, tags }) => {
      const command = (await listed('list_users')).includes(name) ? 'change_password' : 'add_user';
      try {
        await ctl(command, name, password);
      } catch (error) {
        // A failed command's message repeats its arguments, and the password must not reach the Job's log.
        const detail = String(error?.stderr || error?.message || error)
          .replaceAll(password, '***')
          .trim();
        // eslint-disable-next-line preserve-caught-error -- the caught error, as a cause, would carry the password
        throw new Error(`rabbitmqctl ${command} ${name} failed: ${detail}`);
      }
      await ctl('set_user_tags', name, ...tags);
    },
    permissions: (p) => ctl('set_permissions', '-p', p.vhost, p.user, p.configure, p.write, p.read),
    topicPermissions: (p) => ctl('set_topic_permissions', '-p', p.vhost, p.user, p.exchange, p.write, p.read),
  };
}

export async function applyDefinitions(options, env = process.env) {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'definitions.json');
  const plan = planOf(JSON.parse(await readFile(file, 'utf8')), options, env);
  const backend = options.via === 'rabbitmqctl' ? rabbitmqctlBackend() : managementBackend(env);
  for (const vhost of plan.vhosts) await backend.vhost(vhost);
  for (const user of plan.users) await backend.user(user);
  for (const permission of plan.permissions) await backend.permissions(permission);
  for (const permission of plan.topicPermissions) await backend.topicPermissions(permission);
  return plan;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const plan = await applyDefinitions(parseArguments(process.argv.slice(2)));
    process.stdout.write(`Broker users applied: ${plan.users.map((user) => user.name).join(', ')} on ${plan.vhosts}\n`);
  } catch (error) {
    process.stderr.write(`apply-definitions: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
