import { createSession } from '../client-sdk/src/index.ts';

/**
 * `npm run -s session -- URL [TOKEN]`: a buyer session from the server at URL (default http://localhost:8080), printed
 * as JSON, for people and scripts with curl. The server asks a new session for a proof of work (ANTIBOT, on by
 * default): the SDK solves it here, as the page and the SDK do for their users. With TOKEN, renews that session.
 */
const [url = 'http://localhost:8080', previousToken] = process.argv.slice(2);
const base = /^https?:\/\//.test(url) ? url : `http://${url}`;
const session = await createSession(base, previousToken === undefined ? {} : { previousToken });
process.stdout.write(`${JSON.stringify(session)}\n`);
