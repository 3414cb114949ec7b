// Ed25519 key pairs kept as JWK files: origin-sync's /_sync signing key, and (for npm start)
// the demo issuer that signs viewer tokens for the private and audience demo pages.
// Created once, then reused, so a restart keeps every token and the edge's trust.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface JwkPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateEd25519Pair(): Promise<JwkPair> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = randomUUID();
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
  };
}

/** Reads the pair from the two files, or creates both (private one readable by us only). */
export async function loadOrCreatePair(files: {
  privateKey: string;
  publicKey: string;
}): Promise<JwkPair & { created: boolean }> {
  try {
    const [priv, pub] = await Promise.all([
      readFile(files.privateKey, 'utf8'),
      readFile(files.publicKey, 'utf8'),
    ]);
    return {
      privateJwk: JSON.parse(priv) as JWK,
      publicJwk: JSON.parse(pub) as JWK,
      created: false,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = await generateEd25519Pair();
  await mkdir(dirname(files.privateKey), { recursive: true, mode: 0o700 });
  await writeFile(files.privateKey, JSON.stringify(pair.privateJwk), { mode: 0o600 });
  await writeFile(files.publicKey, JSON.stringify(pair.publicJwk), { mode: 0o600 });
  return { ...pair, created: true };
}
