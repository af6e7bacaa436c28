/** What a person who just ran `npm start` in a terminal needs to know, in a few lines. */
export type BannerFacts = Readonly<{
  url: string;
  /** Set when the token was generated for this run (so it is shown); undefined when ADMIN_TOKEN chose it. */
  generatedAdminToken: string | undefined;
  /** E.g. `/srv/data (embedded PGlite)` or `Postgres`. */
  store: string;
  demoEvent: Readonly<{ name: string; url: string; saleOpensAt: string | undefined }> | undefined;
  pid: number;
}>;

export const banner = (facts: BannerFacts): string => {
  const rows: [string, string][] = [
    ['open', facts.url],
    [
      'admin token',
      facts.generatedAdminToken === undefined
        ? 'from ADMIN_TOKEN'
        : `${facts.generatedAdminToken}  (generated for this run; set ADMIN_TOKEN to choose one)`,
    ],
    ['data', facts.store],
  ];
  if (facts.demoEvent !== undefined) {
    const opens = facts.demoEvent.saleOpensAt === undefined ? 'on sale' : `sale opens ${facts.demoEvent.saleOpensAt}`;
    rows.push(['demo event', `${facts.demoEvent.name} (${opens}): ${facts.demoEvent.url}`]);
  }
  rows.push(['stop', `Ctrl-C, or kill ${facts.pid} (in-flight bookings commit, then it exits)`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['', 'seatactor is ready', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '', ''].join(
    '\n',
  );
};

/** `0.0.0.0` and `::` listen everywhere; a browser on this machine reaches them as localhost. */
export const browserUrl = (host: string, port: number): string => {
  const shown =
    host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
};
