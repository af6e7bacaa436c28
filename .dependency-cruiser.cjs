/**
 * The layers of src/, checked by `npm run lint` (dependency-cruiser). docs/architecture.md draws the same list.
 *
 * Outer to inner; an import may point only down this list (inward), or stay inside its own layer:
 *   main (src/main.ts) → app → gateway → frontDoor → services, baselines
 *   → actors, persistence, payments, notifications, cluster → platform → contract → domain
 * Inside the adapters' layer, actors and payments may use persistence's ports, and nothing else crosses.
 * Specs and test fixtures are left out: they are leaves that wire whatever they test. A folder under src/ that no
 * layer names fails the check until it is given a layer.
 */

/** Each layer's folders under src/ (src/main.ts is the outermost layer on its own). */
const layers = [
  { name: 'main', paths: ['main\\.ts$'] },
  { name: 'app', paths: ['app/'] },
  { name: 'gateway', paths: ['gateway/'] },
  { name: 'frontDoor', paths: ['frontDoor/'] },
  { name: 'services', paths: ['services/', 'baselines/'] },
  { name: 'adapters', paths: ['actors/', 'persistence/', 'payments/', 'notifications/', 'cluster/'] },
  { name: 'platform', paths: ['platform/'] },
  { name: 'contract', paths: ['contract/'] },
  { name: 'domain', paths: ['domain/'] },
];

const under = (paths) => `^src/(${paths.join('|')})`;

/** One rule per layer: nothing in it imports a layer further out. */
const layerRules = layers.slice(1).map((layer, index) => ({
  name: `${layer.name}-imports-inward`,
  comment: `${layer.name} may import only its own layer and the layers inside it (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: under(layer.paths) },
  to: { path: under(layers.slice(0, index + 1).flatMap((outer) => outer.paths)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No two files import each other, directly or through others (so no two packages do either)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'every-folder-in-a-layer',
      comment: 'A new folder under src/ joins a layer in .dependency-cruiser.cjs first, or its imports go unchecked',
      severity: 'error',
      from: { path: '^src/', pathNot: under(layers.flatMap((layer) => layer.paths)) },
      to: {},
    },
    {
      name: 'only-into-known-layers',
      comment: 'An import into a folder under src/ that no layer names (add the folder to a layer)',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: under(layers.flatMap((layer) => layer.paths)) },
    },
    {
      name: 'domain-imports-only-domain',
      comment: 'The functional core imports nothing but itself and small pure libraries (xstate, @noble/hashes)',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/(xstate|@noble/hashes)/'] },
    },
    {
      name: 'services-not-baselines',
      comment: 'The benchmark baselines plug into the services, never the other way round',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/baselines/' },
    },
    {
      name: 'adapters-only-persistence-ports',
      comment: 'Inside the adapters layer, actors and payments may use persistence; nothing else crosses between them',
      severity: 'error',
      from: { path: '^src/(actors|persistence|payments|notifications|cluster)/' },
      to: { path: '^src/(actors|payments|notifications|cluster)/', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.spec\\.ts|Fixture\\.ts)$' },
    tsPreCompilationDeps: true,
    moduleSystems: ['es6'],
  },
};
