import { type TicketPublicKeyView, verifyTicketCode } from '../../client-sdk/src/index.ts';
import { humanMessages } from './messages.ts';

/**
 * The staff check-in page: verifies ticket codes with the server's public key alone (kept in this browser), so the
 * gate works offline; each admitted ticket is logged here and sent to the server (`POST /v1/checkins`, staff token)
 * whenever the page is online, which is where a ticket used at another gate is caught.
 */
type Entry = { ticketId: string; place: string; code: string; at: string; synced: boolean; note?: string };

const keyKey = 'seatactor.checkin.key';
const logKey = 'seatactor.checkin.log';
const tokenKey = 'seatactor.checkin.token';
const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;

const readLog = (): Entry[] => {
  try {
    return JSON.parse(localStorage.getItem(logKey) ?? '[]') as Entry[];
  } catch {
    return [];
  }
};
const writeLog = (log: Entry[]) => localStorage.setItem(logKey, JSON.stringify(log));

const verdict = (text: string, valid: boolean) => {
  const element = $('#verdict');
  element.textContent = text;
  element.dataset.valid = String(valid);
};

const render = () => {
  const log = readLog();
  const pending = log.filter((entry) => !entry.synced).length;
  $('#pending').textContent = pending === 0 ? 'all synced' : `${pending} to sync`;
  $('#log').replaceChildren(
    ...log
      .slice()
      .reverse()
      .map((entry) => {
        const item = document.createElement('li');
        item.dataset.ticketId = entry.ticketId;
        item.dataset.synced = String(entry.synced);
        item.textContent = `${new Date(entry.at).toLocaleTimeString()} · ${entry.place} · ${
          entry.synced ? 'synced' : 'not synced yet'
        }${entry.note === undefined ? '' : ` · ${entry.note}`}`;
        return item;
      }),
  );
};

const showNetwork = () => {
  $('#network').textContent = navigator.onLine ? 'online' : 'offline: checking with the saved key';
};

const loadKey = async (): Promise<TicketPublicKeyView | undefined> => {
  try {
    const response = await fetch('/v1/tickets/public-key');
    if (response.ok) {
      const key = (await response.json()) as TicketPublicKeyView;
      localStorage.setItem(keyKey, JSON.stringify(key));
      return key;
    }
  } catch {
    // Offline: the saved key does.
  }
  const saved = localStorage.getItem(keyKey);
  return saved === null ? undefined : (JSON.parse(saved) as TicketPublicKeyView);
};

let syncing = false;
const sync = async (): Promise<void> => {
  const token = sessionStorage.getItem(tokenKey) ?? '';
  if (syncing || token === '' || !navigator.onLine) return;
  syncing = true;
  try {
    for (const entry of readLog().filter((candidate) => !candidate.synced)) {
      let response: Response;
      try {
        response = await fetch('/v1/checkins', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ code: entry.code }),
        });
      } catch {
        return;
      }
      const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
      const code = body.error?.code;
      if (!response.ok && code !== 'TICKET_ALREADY_USED' && code !== 'TICKET_INVALID') {
        verdict(humanMessages[code as keyof typeof humanMessages] ?? 'The box office did not take the sync.', false);
        return;
      }
      const log = readLog();
      const stored = log.find((candidate) => candidate.ticketId === entry.ticketId);
      if (stored !== undefined) {
        stored.synced = true;
        if (code !== undefined) stored.note = humanMessages[code as keyof typeof humanMessages];
      }
      writeLog(log);
      render();
    }
  } finally {
    syncing = false;
  }
};

const main = async () => {
  showNetwork();
  render();
  addEventListener('online', () => {
    showNetwork();
    void sync();
  });
  addEventListener('offline', showNetwork);
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  const tokenInput = $<HTMLInputElement>('#admin-token');
  tokenInput.value = sessionStorage.getItem(tokenKey) ?? '';
  $('#sync').onclick = () => {
    sessionStorage.setItem(tokenKey, tokenInput.value.trim());
    void sync();
  };
  const key = await loadKey();
  if (key === undefined) verdict('Open this page online once, so it can keep the key it checks tickets with.', false);
  $<HTMLFormElement>('#scan').onsubmit = async (submitted) => {
    submitted.preventDefault();
    const input = $<HTMLInputElement>('#code');
    const code = input.value.trim();
    input.value = '';
    if (key === undefined) return;
    const ticket = await verifyTicketCode(code, key);
    if (ticket === undefined) {
      verdict('Not valid: this code was not issued by the box office.', false);
      return;
    }
    const place = ticket.seatId ?? ticket.sectionId ?? ticket.ticketId;
    const log = readLog();
    const seen = log.find((entry) => entry.ticketId === ticket.ticketId);
    if (seen !== undefined) {
      verdict(`Already checked in at ${new Date(seen.at).toLocaleTimeString()}: ${place}`, false);
      return;
    }
    log.push({ ticketId: ticket.ticketId, place, code, at: new Date().toISOString(), synced: false });
    writeLog(log);
    verdict(`Valid: ${place}. Welcome!`, true);
    render();
    void sync();
  };
};

void main();
