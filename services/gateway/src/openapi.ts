import { isDeepStrictEqual } from 'node:util';
import type { RouteEntry } from './config.ts';
import { isPublicPath, matchRoute } from './routes.ts';

type JsonObject = Record<string, unknown>;

/** One upstream's document, or why it could not be had. */
export type SourceDoc =
  | { readonly service: string; readonly doc: JsonObject }
  | { readonly service: string; readonly error: string };

export const MERGED_TITLE = 'Strongbox API';
const SCHEMA_REF = '#/components/schemas/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Builds the one public document from the services' own. Only paths the gateway actually routes to that
 * service are kept (a service's internal routes stay out), public paths are marked as needing no token
 * because the gateway is what enforces that, and a schema name two services define differently is
 * renamed with the service's name so neither silently replaces the other.
 *
 * @example
 * mergeOpenApi([{ service: 'identity', doc }], ROUTES, { version: '0.1.0' }).paths
 */
export function mergeOpenApi(
  sources: readonly SourceDoc[],
  table: readonly RouteEntry[],
  info: { readonly version: string },
): JsonObject {
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  const securitySchemes: JsonObject = {};
  const tags: JsonObject[] = [];
  const missing: string[] = [];

  for (const source of sources) {
    if ('error' in source) {
      missing.push(`${source.service} (${source.error})`);
      continue;
    }
    const components = objectAt(source.doc, 'components');
    const own = objectAt(components, 'schemas');
    const renames = new Map<string, string>();
    for (const [name, schema] of Object.entries(own)) {
      if (name in schemas && !isDeepStrictEqual(schemas[name], schema))
        renames.set(name, `${pascal(source.service)}${name}`);
    }
    // References are rewritten everywhere in this source; its schema keys are renamed as they are copied.
    const doc = renames.size > 0 ? (renameRefs(source.doc, renames) as JsonObject) : source.doc;
    for (const [name, schema] of Object.entries(objectAt(objectAt(doc, 'components'), 'schemas'))) {
      schemas[renames.get(name) ?? name] ??= schema;
    }
    for (const [name, scheme] of Object.entries(objectAt(components, 'securitySchemes'))) {
      securitySchemes[name] ??= scheme;
    }
    for (const [path, item] of Object.entries(objectAt(doc, 'paths'))) {
      const entry = matchRoute(table, path);
      if (entry?.service !== source.service || !isObject(item)) continue;
      paths[path] = isPublicPath(entry, path) ? markPublic(item) : item;
    }
    for (const tag of Array.isArray(doc['tags']) ? doc['tags'] : []) {
      if (isObject(tag) && !tags.some((t) => t['name'] === tag['name'])) tags.push(tag);
    }
  }

  const description = [
    'Every Strongbox service behind the gateway, in one document. Send an access token as `Authorization: Bearer <token>` except where an operation says it needs none.',
    ...(missing.length > 0
      ? [`Not included, because the service could not be reached: ${missing.join(', ')}.`]
      : []),
  ].join('\n\n');
  return {
    openapi: '3.1.0',
    info: { title: MERGED_TITLE, version: info.version, description },
    components: { schemas, securitySchemes },
    ...('bearer' in securitySchemes ? { security: [{ bearer: [] }] } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    paths,
  };
}

/** An empty security requirement list tells readers and Swagger UI that no token is needed. */
function markPublic(item: JsonObject): JsonObject {
  const out: JsonObject = { ...item };
  for (const method of HTTP_METHODS) {
    const op = out[method];
    if (isObject(op) && !('security' in op)) out[method] = { ...op, security: [] };
  }
  return out;
}

function renameRefs(value: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, renames));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)) {
      const [name = '', ...rest] = v.slice(SCHEMA_REF.length).split('/');
      const renamed = renames.get(name);
      out[key] = renamed ? [`${SCHEMA_REF}${renamed}`, ...rest].join('/') : v;
    } else {
      out[key] = renameRefs(v, renames);
    }
  }
  return out;
}

function objectAt(value: unknown, key: string): JsonObject {
  const v = isObject(value) ? value[key] : undefined;
  return isObject(v) ? v : {};
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
