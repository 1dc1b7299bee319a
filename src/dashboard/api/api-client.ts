/**
 * The dashboard's only way to the service: the public /api/v1 routes, with the
 * bearer token the officer logged in with (docs/access.md). Errors come back as
 * the service's {code, message}, so views show the stable code, never guess.
 */
export interface ApiErrorBody {
  code: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** A file answer (CSV, PDF, xlsx): the bytes and the name the service proposes. */
  download(path: string, query?: Query): Promise<{ blob: Blob; fileName: string }>;
}

export function createApiClient(token: string, baseUrl = ''): ApiClient {
  const headers = { authorization: `Bearer ${token}` };
  async function send(method: string, path: string, query?: Query, body?: unknown): Promise<Response> {
    const response = await fetch(urlOf(baseUrl, path, query), {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await errorOf(response);
    return response;
  }
  return {
    async get<T>(path: string, query?: Query) {
      return (await (await send('GET', path, query)).json()) as T;
    },
    async post<T>(path: string, body?: unknown) {
      const response = await send('POST', path, undefined, body ?? {});
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async download(path: string, query?: Query) {
      const response = await send('GET', path, query);
      const disposition = response.headers.get('content-disposition') ?? '';
      const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'download';
      return { blob: await response.blob(), fileName };
    },
  };
}

export function urlOf(baseUrl: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.size > 0 ? `?${params.toString()}` : '';
  return `${baseUrl}/api/v1${path}${search}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ApiErrorBody>;
    return new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
  }
}
