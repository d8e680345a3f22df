/**
 * The security flags of `local`, `coordinator`, `worker` and `slurm`. They become the SEQTRAIN_SECRET /
 * SEQTRAIN_TLS_* environment of this process, which the coordinator, the ring listeners and every child
 * process (worker agents, training processes) read, so a setting given once reaches every socket.
 * Checked here (files readable, secret long enough) before anything listens.
 */
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { loadSecurityConfig, type SecurityConfig } from '@seqtrain/common';

export interface SecurityFlags {
  secretFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  insecure?: boolean;
}

export function addSecurityOptions(cmd: Command, options: { insecure: boolean }): Command {
  cmd
    .option('--secret-file <file>', 'file holding the shared secret every process must prove (HMAC challenge-response; never sent). Default: SEQTRAIN_SECRET')
    .option('--tls-cert <file>', 'PEM certificate: serve wss:// (coordinator, ring listeners). Default: SEQTRAIN_TLS_CERT')
    .option('--tls-key <file>', 'PEM private key of --tls-cert. Default: SEQTRAIN_TLS_KEY')
    .option('--tls-ca <file>', 'PEM CA to trust when dialing wss:// (e.g. a self-signed --tls-cert). Default: SEQTRAIN_TLS_CA');
  if (options.insecure) {
    cmd.addOption(
      new Option(
        '--insecure',
        'allow a non-loopback --host without a shared secret. Without one, anyone who reaches the port can join the run or send it messages, so the coordinator refuses such a bind unless told this'
      )
    );
  }
  return cmd;
}

/**
 * Puts the flags into process.env (children inherit it) and returns the resulting settings.
 * generateSecret: with no secret from a flag or the environment, make a random one for this run
 * (`seqtrain local`: its processes are all children of this one, so the run is authenticated by default).
 */
export function applySecurityFlags(flags: SecurityFlags, options: { generateSecret: boolean } = { generateSecret: false }): SecurityConfig {
  const sources = { secretFile: flags.secretFile, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, tlsCa: flags.tlsCa };
  const config = loadSecurityConfig(sources);
  const secret = config.secret ?? (options.generateSecret ? randomBytes(32).toString('hex') : null);
  if (secret !== null) process.env.SEQTRAIN_SECRET = secret;
  if (flags.tlsCert !== undefined) process.env.SEQTRAIN_TLS_CERT = flags.tlsCert;
  if (flags.tlsKey !== undefined) process.env.SEQTRAIN_TLS_KEY = flags.tlsKey;
  if (flags.tlsCa !== undefined) process.env.SEQTRAIN_TLS_CA = flags.tlsCa;
  return { ...config, secret };
}
