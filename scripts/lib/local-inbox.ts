// npm start's local inbox when no SMTP_URL is set (docs/contract.md §5): MailDev, a well-kept
// development mail catcher, takes origin-sync's notification email over SMTP on 127.0.0.1
// (LOCAL_SMTP_PORT, default 2525) and shows it on a web page (LOCAL_INBOX_PORT, default 1080),
// both on loopback only. Mail is kept under STATE_DIR/inbox, at most 1,000 messages.
import { mkdir } from 'node:fs/promises';
import { MailDev } from 'maildev';

export interface LocalInbox {
  smtpUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

export async function startLocalInbox(opts: {
  smtpPort: number;
  webPort: number;
  mailDirectory: string;
}): Promise<LocalInbox> {
  await mkdir(opts.mailDirectory, { recursive: true, mode: 0o700 });
  const maildev = new MailDev({
    smtp: opts.smtpPort,
    ip: '127.0.0.1',
    web: opts.webPort,
    webIp: '127.0.0.1',
    mailDirectory: opts.mailDirectory,
    maxEmails: 1_000,
    silent: true,
  });
  try {
    await maildev.start();
  } catch (err) {
    throw new Error(
      `the local inbox could not start on 127.0.0.1:${opts.smtpPort} (SMTP) and :${opts.webPort} (web): ${
        err instanceof Error ? err.message : String(err)
      }; set LOCAL_SMTP_PORT / LOCAL_INBOX_PORT, or SMTP_URL to use a relay`,
    );
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`,
    webUrl: `http://127.0.0.1:${opts.webPort}/`,
    stop: () => maildev.stop(),
  };
}
