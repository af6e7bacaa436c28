import { z } from 'zod';
import { type Answer, type Caller, type Operation, operations } from './api.ts';

/** OpenAPI 3.1 (its schemas are JSON Schema 2020-12, which is what zod's toJSONSchema writes). */
export type OpenApiDocument = Readonly<Record<string, unknown>>;

type JsonSchema = Record<string, unknown>;

/**
 * One schema as JSON Schema: request bodies as the client sends them (`io: 'input'`: before defaults and transforms),
 * answers as the server writes them. Schemas named with a meta id (responses.ts) go to the document's components once
 * and are referenced. Checks zod cannot express (storable text, uniqueness) are the server's and answer
 * INVALID_INPUT; they are not in the document.
 */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema => {
  const converted = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // `format: date-time` says it; zod's 300-character pattern for it only buries the rest of the document.
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  }) as JsonSchema;
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  for (const [id, body] of Object.entries($defs ?? {})) components[id] = body;
  const { id, ...body } = rest;
  if (typeof id !== 'string') return rest;
  components[id] = body;
  return { $ref: `#/components/schemas/${id}` };
};

const security: Readonly<Record<Caller, readonly Record<string, string[]>[] | undefined>> = {
  anyone: undefined,
  buyer: [{ session: [] }],
  admin: [{ admin: [] }],
};

const openApiPath = (pattern: string): string => pattern.replace(/:([A-Za-z]+)/g, '{$1}');

const parameters = (operation: Operation, components: Record<string, JsonSchema>) => {
  const inPath = [...operation.path.matchAll(/:([A-Za-z]+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const shape = operation.query?.shape ?? {};
  const inQuery = Object.entries(shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(schema as z.ZodType, 'input', components),
  }));
  return [...inPath, ...inQuery];
};

const answer = (reply: Answer, components: Record<string, JsonSchema>) => {
  if (reply.schema === undefined && reply.contentType === undefined) return { description: reply.description };
  const schema = reply.schema === undefined ? {} : jsonSchema(reply.schema, 'output', components);
  return { description: reply.description, content: { [reply.contentType ?? 'application/json']: { schema } } };
};

/** The OpenAPI 3.1 document of the REST API, built from the operations table and its zod schemas. */
export const openApiDocument = (): OpenApiDocument => {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const path = openApiPath(operation.path);
    const params = parameters(operation, components);
    const auth = security[operation.caller];
    paths[path] ??= {};
    paths[path][operation.method] = {
      operationId: `${operation.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_match, next?: string) => (next ?? '').toUpperCase())}`,
      summary: operation.summary,
      tags: [operation.tag],
      ...(auth === undefined ? {} : { security: auth }),
      ...(params.length === 0 ? {} : { parameters: params }),
      ...(operation.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(operation.body, 'input', components) } },
            },
          }),
      responses: Object.fromEntries(
        Object.entries(operation.answers).map(([status, reply]) => [status, answer(reply, components)]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'seatactor',
      version: '1',
      description:
        'Ticket booking: holds, orders, payments and live seat maps. Generated from the zod schemas in src/contract ' +
        '(npm run docs). The socket.io protocol and the error codes are in docs/api.md.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(operations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a buyer session token' },
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
      },
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
};

/** docs/openapi.json as `npm run docs` writes it. */
export const openApiText = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
