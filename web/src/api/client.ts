// The one way the pages talk to the API: the same endpoints, rules and errors as any
// other client. Adds the bearer token, refreshes it once when it lapsed (one refresh in
// flight for every caller), and turns RFC 9457 problem documents into ApiError.
import {
  clearTokens,
  currentAccessToken,
  sessionState,
  setSessionState,
  storedRefreshToken,
  storeTokens,
  type TokenPair,
} from "./session";

export interface FieldError {
  pointer?: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  conflicts?: unknown[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
  /** The message for one field, by its JSON pointer as the API gives it (`#/name`, `#/items/0/date`). */
  fieldError(pointer: string): string | undefined {
    return this.problem.errors?.find((e) => e.pointer === pointer)?.detail;
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send without a token (sign-in). */
  anonymous?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  etag: string | null;
  headers: Headers;
}

let refreshing: Promise<boolean> | null = null;

/** Exchange the stored refresh token for a new pair; false when the session is over. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const token = storedRefreshToken();
    if (token === null) return false;
    const response = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (!response.ok) return false;
    storeTokens((await response.json()) as TokenPair);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export function buildUrl(path: string, query?: RequestOptions["query"]): string {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

/** The Authorization header, refreshing the token first when it lapsed. */
export async function authorization(): Promise<Record<string, string>> {
  let token = currentAccessToken();
  if (token === null && (await refreshSession())) token = currentAccessToken();
  return token === null ? {} : { Authorization: `Bearer ${token}` };
}

function endSession(): void {
  clearTokens();
  if (sessionState().status === "signed-in") setSessionState({ status: "signed-out", reason: "expired" });
}

async function problemOf(response: Response): Promise<Problem> {
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json")) {
    const body = (await response.json()) as Partial<Problem>;
    return { title: response.statusText, detail: "", ...body, status: response.status };
  }
  return { title: response.statusText || "Request failed", detail: await response.text(), status: response.status };
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (!options.anonymous) Object.assign(headers, await authorization());
    return fetch(buildUrl(path, options.query), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  };
  let response = await send();
  if (response.status === 401 && !options.anonymous) {
    // The access token lapsed or was revoked: one refresh, one retry, else signed out.
    if (await refreshSession()) response = await send();
    if (response.status === 401) {
      endSession();
      throw new ApiError(await problemOf(response));
    }
  }
  if (!response.ok) throw new ApiError(await problemOf(response));
  const data = response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  return { data, etag: response.headers.get("ETag"), headers: response.headers };
}

export const api = {
  get: async <T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal): Promise<T> =>
    (await request<T>(path, { query, signal })).data,
  post: async <T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> =>
    (await request<T>(path, { method: "POST", body, headers })).data,
  put: async <T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> =>
    (await request<T>(path, { method: "PUT", body, headers })).data,
  patch: async <T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> =>
    (await request<T>(path, { method: "PATCH", body, headers })).data,
  delete: async (path: string, headers?: Record<string, string>, query?: RequestOptions["query"]): Promise<void> => {
    await request<void>(path, { method: "DELETE", headers, query });
  },
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every item of a paginated list (bounded: at most `limit` pages). */
export async function getAll<T>(
  path: string,
  query: RequestOptions["query"] = {},
  limit = 50,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < limit; page += 1) {
    const result: Page<T> = await api.get<Page<T>>(path, { ...query, limit: 500, cursor });
    items.push(...result.items);
    cursor = result.next_cursor;
    if (cursor === null) break;
  }
  return items;
}

export async function signIn(email: string, password: string): Promise<void> {
  const pair = (await request<TokenPair>("/api/auth/login", { method: "POST", body: { email, password }, anonymous: true })).data;
  storeTokens(pair);
  await loadMe();
}

export async function loadMe(): Promise<void> {
  const me = await api.get<import("./session").Me>("/api/auth/me");
  setSessionState({ status: "signed-in", me });
}

export async function signOut(): Promise<void> {
  try {
    if (storedRefreshToken() !== null) await request<void>("/api/auth/logout", { method: "POST" });
  } finally {
    clearTokens();
    setSessionState({ status: "signed-out", reason: "signed-out" });
  }
}

/** On start: resume the stored session if its refresh token is still good. */
export async function resumeSession(): Promise<void> {
  if (storedRefreshToken() !== null && (await refreshSession())) {
    try {
      await loadMe();
      return;
    } catch {
      // fall through: signed out
    }
  }
  clearTokens();
  setSessionState({ status: "signed-out" });
}
