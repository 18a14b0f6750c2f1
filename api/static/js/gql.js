// GraphQL over fetch, and what this server can do (found by introspection, or by the error it gives).

const ENDPOINT = new URL("graphql", document.baseURI).href;
export const KEY_STORE = "loupan.editorKey";

export class GraphQLError extends Error {
  constructor(errors, data) {
    super(errors.map((e) => e.message).join("；"));
    this.name = "GraphQLError";
    this.errors = errors;
    this.data = data;
  }
}

export class HttpError extends Error {
  constructor(status, text) {
    super(`服务器返回 HTTP ${status}${text ? `：${text.slice(0, 200)}` : ""}`);
    this.name = "HttpError";
    this.status = status;
  }
}

/**
 * Run one operation. The key (`key`, else the one kept for this tab) goes in `Authorization: Bearer`:
 * editors need it for corrections, and a server may ask every reader for one.
 */
export async function gql(query, variables = {}, { key } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const bearer = key || sessionStorage.getItem(KEY_STORE);
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let res;
  try {
    res = await fetch(ENDPOINT, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch (e) {
    throw new Error(`无法连接服务器（${e.message}）`);
  }
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(res.status, text);
  }
  if (body.errors && body.errors.length) throw new GraphQLError(body.errors, body.data);
  if (!res.ok) throw new HttpError(res.status, text);
  return body.data;
}

/** Does this error say the server has no such field / no mutations at all? */
export function isMissingOperation(err, name) {
  const msg = String((err && err.message) || "");
  return (
    new RegExp(`Cannot query field ['"\u201c]?${name}\\b`).test(msg) ||
    /not configured for mutations|Schema is not configured|Unknown type ['"]?Mutation/i.test(msg)
  );
}

/** Does this error look like a refused editor key? */
export function isAuthError(err) {
  if (err instanceof HttpError) return err.status === 401 || err.status === 403;
  const msg = String((err && err.message) || "");
  return /unauthori[sz]ed|forbidden|not allowed|permission|authenticat|editor key|bearer|api key|needs the '?\w+'? role|密钥|权限/i.test(msg);
}

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

/**
 * What the server offers: query and mutation field names with their arguments, from introspection.
 * `known` is false when introspection itself failed (then callers learn from the errors instead).
 */
export async function capabilities() {
  const q = `{ __schema {
      queryType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
      mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
  } }`;
  try {
    const data = await gql(q);
    const fields = (t) => new Map(((t && t.fields) || []).map((f) => [f.name, f]));
    return { known: true, query: fields(data.__schema.queryType), mutation: fields(data.__schema.mutationType) };
  } catch (e) {
    return { known: false, query: new Map(), mutation: new Map(), error: e };
  }
}

function namedType(ref) {
  let t = ref;
  while (t && t.ofType) t = t.ofType;
  return t || { kind: "SCALAR", name: "String" };
}

const typeCache = new Map();

async function typeInfo(name) {
  if (!typeCache.has(name)) {
    const q = `query($n: String!) { __type(name: $n) { kind name enumValues { name }
        fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } }`;
    typeCache.set(name, gql(q, { n: name }).then((d) => d.__type));
  }
  return typeCache.get(name);
}

/**
 * A selection set for a field's result, built from introspection: every scalar field without required
 * arguments, and objects nested up to `depth` levels. "" for scalars.
 */
export async function selectionFor(typeRef, depth = 2) {
  const named = namedType(typeRef);
  if (named.kind === "SCALAR" || named.kind === "ENUM") return "";
  if (named.kind === "UNION" || depth <= 0) return "{ __typename }";
  const info = await typeInfo(named.name);
  if (!info || !info.fields) return "{ __typename }";
  const parts = ["__typename"];
  for (const f of info.fields) {
    if (f.args.some((a) => a.type.kind === "NON_NULL")) continue;
    const inner = namedType(f.type);
    if (inner.kind === "SCALAR" || inner.kind === "ENUM") parts.push(f.name);
    else if (depth > 1) parts.push(`${f.name} ${await selectionFor(f.type, depth - 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}

/** The names of the fields of a field's result type (to ask only for what the server has). */
export async function fieldNames(typeRef) {
  const info = await typeInfo(namedType(typeRef).name);
  return new Set(((info && info.fields) || []).map((f) => f.name));
}

/** The server's spelling of an enum value (`same` may be `SAME` there); plain strings pass through. */
export async function enumValue(typeRef, value) {
  const named = namedType(typeRef);
  if (named.kind !== "ENUM") return value;
  const info = await typeInfo(named.name);
  const hit = ((info && info.enumValues) || []).find((v) => v.name.toLowerCase() === String(value).toLowerCase());
  return hit ? hit.name : value;
}

/** The GraphQL type text of an argument ("[ID!]!"), for writing a variables declaration. */
export function typeText(ref) {
  if (!ref) return "String";
  if (ref.kind === "NON_NULL") return `${typeText(ref.ofType)}!`;
  if (ref.kind === "LIST") return `[${typeText(ref.ofType)}]`;
  return ref.name;
}

// Fragments shared by the page's queries.
export const ENTITY = "id type name code date place { id name place { id name } }";
export const SOURCE = "quote span record field extractedBy report { id title url outlet publishedAt kind }";
export const RELATION = `id type attrs source { ${ENTITY} } target { ${ENTITY} } sources { ${SOURCE} }`;
