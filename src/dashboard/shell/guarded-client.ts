import { ApiError, type ApiClient } from '../api/api-client.js';

/** The views' client: a 401 from any call ends the session (back to the login, saying why). */
export function guardedClient(inner: ApiClient, onUnauthenticated: (code: string) => void): ApiClient {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) onUnauthenticated(error.code);
      throw error;
    }
  };
  return {
    get: (path, query) => guard(() => inner.get(path, query)),
    post: (path, body) => guard(() => inner.post(path, body)),
    download: (path, query) => guard(() => inner.download(path, query)),
  };
}
