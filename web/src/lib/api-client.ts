import { z } from "zod";

/** Field name -> messages, as sent in the `errors` member of a Problem Details body. */
export type FieldErrors = Record<string, string[]>;

/** An RFC 9457 Problem Details response, or a failure that never reached the server. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly type: string | undefined;
  readonly errors: FieldErrors;

  constructor(init: {
    status: number;
    title: string;
    detail?: string | undefined;
    type?: string | undefined;
    errors?: FieldErrors | undefined;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = "ApiError";
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type;
    this.errors = init.errors ?? {};
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().nullish(),
  errors: z
    .record(z.string(), z.union([z.array(z.string()), z.string()]))
    .optional(),
});

function normaliseErrors(errors: Record<string, string[] | string> | undefined): FieldErrors {
  const result: FieldErrors = {};
  for (const [field, messages] of Object.entries(errors ?? {})) {
    result[field] = Array.isArray(messages) ? messages : [messages];
  }
  return result;
}

/** Reads a failed response into an ApiError, whether or not its body is Problem Details. */
export async function toApiError(response: Response): Promise<ApiError> {
  const fallbackTitle = response.statusText || `Request failed with status ${response.status}`;
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const problem = problemSchema.safeParse(body);
  if (!problem.success || body === undefined) {
    return new ApiError({
      status: response.status,
      title: fallbackTitle,
      detail: text && text.length < 300 ? text : undefined,
    });
  }
  return new ApiError({
    status: problem.data.status ?? response.status,
    title: problem.data.title ?? fallbackTitle,
    detail: problem.data.detail ?? undefined,
    type: problem.data.type,
    errors: normaliseErrors(problem.data.errors),
  });
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Serialised as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** fetch with the session cookie; throws ApiError for any non-2xx status or network failure. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: "application/json, application/problem+json",
    ...options.headers,
  };
  const init: RequestInit = {
    method: options.method ?? "GET",
    credentials: "same-origin",
    headers,
    signal: options.signal ?? null,
  };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError({
      status: 0,
      title: "Could not reach the server",
      detail: error instanceof Error ? error.message : undefined,
    });
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

/** Sends a request and validates the JSON answer against a schema. */
export async function apiJson<T>(
  path: string,
  schema: z.ZodType<T>,
  options: RequestOptions = {},
): Promise<T> {
  const response = await apiFetch(path, options);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) {
    throw new ApiError({
      status: response.status,
      title: "Unexpected response from the server",
      detail: parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; "),
    });
  }
  return parsed.data;
}

/** Messages for one field of a Problem Details error, matching the field name case-insensitively. */
export function errorsFor(error: unknown, field: string): string[] | undefined {
  if (!isApiError(error)) return undefined;
  const wanted = field.toLowerCase();
  const messages = Object.entries(error.errors)
    .filter(([name]) => name.toLowerCase() === wanted)
    .flatMap(([, list]) => list);
  return messages.length > 0 ? messages : undefined;
}

/** One line for an error shown inline: "Title: detail" for Problem Details, the message otherwise. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) return [error.title, error.detail].filter(Boolean).join(": ");
  return error instanceof Error ? error.message : String(error);
}
