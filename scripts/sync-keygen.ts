// Creates the Ed25519 key pair for /_sync tokens, for a production deploy:
//   node scripts/sync-keygen.ts <dir>      (default: .data/keys)
// writes <dir>/sync-private.jwk.json (mode 0600, for origin-sync) and
// <dir>/sync-public.jwk.json (for the worker's SYNC_PUBLIC_KEY), and refuses to overwrite
// an existing pair: replacing it would make the edge reject origin-sync until redeployed.
import { randomUUID } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';

const dir = resolve(process.argv[2] ?? '.data/keys');
const privatePath = join(dir, 'sync-private.jwk.json');
const publicPath = join(dir, 'sync-public.jwk.json');

for (const path of [privatePath, publicPath]) {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    console.error(`${path} already exists; move the old pair away first to replace it`);
    process.exit(1);
  }
}

const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
  crv: 'Ed25519',
  extractable: true,
});
const kid = randomUUID();
const meta = { kid, alg: 'EdDSA', use: 'sig' };
await mkdir(dir, { recursive: true, mode: 0o700 });
await writeFile(privatePath, JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }), {
  mode: 0o600,
  flag: 'wx',
});
await writeFile(publicPath, JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }), {
  mode: 0o644,
  flag: 'wx',
});
console.log(`private key (origin-sync): ${privatePath}`);
console.log(`public key (worker SYNC_PUBLIC_KEY): ${publicPath}`);
