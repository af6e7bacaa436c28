import type { AdmissionStage } from '../frontDoor/admission.ts';
import type { ChallengeStage } from '../frontDoor/challenge.ts';
import { createIdentify, createIdentifyNow } from '../frontDoor/identify.ts';
import { type AddressLimits, createLimits } from '../frontDoor/limits.ts';
import { createFrontDoor, type FrontDoor } from '../frontDoor/pipeline.ts';
import type { LimiterStore } from '../frontDoor/rateLimit.ts';
import type { ReadBudget } from '../frontDoor/readBudget.ts';
import type { RiskStage } from '../frontDoor/risk.ts';
import { type Clock, systemClock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { GatewayMetrics } from '../platform/metrics.ts';
import type { BookingService, SocketHolds } from '../services/bookingService.ts';
import type { Auth } from './auth.ts';
import { bodyBytesMaxDefault } from './http.ts';
import { type RestForward, type RestRateLimit, type Router, registerRestRoutes } from './rest/routes.ts';
import { listenExclusivePort, type TemplatedApp, type us_listen_socket, uws, uwsBinaryPath } from './uws.ts';

export type GatewayOptions = Readonly<{
  host: string;
  /** 0 picks a free port; the chosen one is returned. */
  port: number;
  booking: BookingService;
  auth: Auth;
  logger: Logger;
  metrics: GatewayMetrics;
  bodyBytesMax?: number;
  venueBodyBytesMax?: number;
  /** The front door REST shares with sockets; absent, the gateway builds its own from the options below. */
  frontDoor?: FrontDoor;
  /** Per-client REST rate limit (default 100 requests per second per address) and the proxies in front. */
  rateLimit?: RestRateLimit;
  /** Seat-map reads per address, when the gateway builds its own front door. */
  readBudget?: ReadBudget;
  /** The admission stage for holds (waiting rooms), when the gateway builds its own front door. */
  admission?: AdmissionStage;
  /** Cluster mode: REST requests for events another node owns go there. */
  forward?: RestForward;
}>;

export type Gateway = Readonly<{
  app: TemplatedApp;
  port: number;
  /** Adds REST routes with the same wrapping (errors, limits, metrics) as the built-in ones; lists what it added. */
  route: Router;
  /** Stops accepting connections; open keep-alive connections finish on their own. */
  close(): void;
}>;

/** The port is taken (by another seatactor or another program), or the host is not an address of this machine. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    variable = 'PORT',
  ) {
    super(
      `cannot listen on ${host}:${port}: the port is in use (another seatactor server, or another program) or ` +
        `${host} is not an address of this machine. Stop the other server, or set ${variable} (and HOST).`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * The front door with today's stages (identify, limits, a pass-through challenge, admission by the waiting room's
 * tokens when given), configured as the server's options say: one instance serves REST and sockets, so both count
 * against the same limits and reach the same service.
 */
export const buildFrontDoor = (
  options: Readonly<{
    auth: Auth;
    holds: SocketHolds;
    clock: Clock;
    rateLimit?: RestRateLimit;
    socket?: Readonly<{ requestsPerWindowMax?: number; rateLimitWindowSeconds?: number }>;
    /** Requests one buyer may make per second over all their sockets and REST (default 50), over a window. */
    userRequestsPerSecondMax?: number;
    userRequestsWindowSeconds?: number;
    /** Per-address limits of the anti-bot stages (sessions, connections, handshakes); absent: none. */
    perAddress?: AddressLimits;
    /** Where the person's budgets are counted (Redis when shared by a cluster); default memory. */
    limiterStore?: LimiterStore;
    readBudget?: ReadBudget;
    admission?: AdmissionStage;
    /** The anti-bot challenge (proof of work); absent: nothing is challenged. */
    challenge?: ChallengeStage;
    /** The anti-bot risk stage (devices, behavioural signals); absent: nobody is judged. */
    risk?: RiskStage;
  }>,
): FrontDoor => {
  const { rateLimit, socket } = options;
  return createFrontDoor({
    identify: createIdentify(options.auth, () => options.clock.now()),
    identifyNow: createIdentifyNow(options.auth, () => options.clock.now()),
    limits: createLimits({
      ...(rateLimit === undefined ? {} : { restRequestsPerSecondMax: rateLimit.requestsPerSecondMax }),
      ...(rateLimit?.windowSeconds === undefined ? {} : { restWindowSeconds: rateLimit.windowSeconds }),
      ...(socket?.requestsPerWindowMax === undefined
        ? {}
        : { socketRequestsPerWindowMax: socket.requestsPerWindowMax }),
      ...(socket?.rateLimitWindowSeconds === undefined ? {} : { socketWindowSeconds: socket.rateLimitWindowSeconds }),
      ...(options.readBudget === undefined ? {} : { readBudget: options.readBudget }),
      ...(options.userRequestsPerSecondMax === undefined
        ? {}
        : {
            userRequestsPerWindowMax: options.userRequestsPerSecondMax * (options.userRequestsWindowSeconds ?? 1),
            userWindowSeconds: options.userRequestsWindowSeconds ?? 1,
          }),
      ...(options.perAddress === undefined ? {} : { perAddress: options.perAddress }),
      ...(options.limiterStore === undefined ? {} : { store: options.limiterStore }),
    }),
    ...(options.admission === undefined ? {} : { admission: options.admission }),
    ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
    ...(options.risk === undefined ? {} : { risk: options.risk }),
    holds: options.holds,
  });
};

export const startGateway = (options: GatewayOptions): Promise<Gateway> => {
  const { host, port, logger } = options;
  const app = uws.App();
  const frontDoor = options.frontDoor ?? buildFrontDoor({ ...options, holds: options.booking, clock: systemClock });
  const route = registerRestRoutes(app, {
    frontDoor,
    booking: options.booking,
    auth: options.auth,
    logger,
    metrics: options.metrics,
    bodyBytesMax: options.bodyBytesMax ?? bodyBytesMaxDefault,
    venueBodyBytesMax: options.venueBodyBytesMax,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.forward === undefined ? {} : { forward: options.forward }),
  });
  return new Promise((resolve, reject) => {
    // uWS binds with SO_REUSEPORT by default: a second server on the same port would bind too and the kernel would
    // share connections between the two. The exclusive flag makes the second bind fail, as it does everywhere else.
    const listen = app.listen as unknown as (
      host: string,
      port: number,
      options: number,
      callback: (listenSocket: us_listen_socket | false) => void,
    ) => void;
    listen.call(app, host, port, listenExclusivePort, (listenSocket: us_listen_socket | false) => {
      // uWS reports a failed bind as `false`, with no error object.
      if (listenSocket === false) {
        reject(new PortInUseError(host, port));
        return;
      }
      const actualPort = uws.us_socket_local_port(listenSocket);
      let open = true;
      logger.info({ host, port: actualPort, binary: uwsBinaryPath }, 'gateway listening');
      resolve({
        app,
        port: actualPort,
        route,
        close() {
          // Closing a listen socket twice is a use-after-free in the native layer.
          if (!open) return;
          open = false;
          uws.us_listen_socket_close(listenSocket);
        },
      });
    });
  });
};
