import { z } from "zod";
import { apiJson } from "./api-client";
import type { ExportEnvelope } from "./export-jobs";

/** Saved export requests (/api/v1/templates): the record and the calls more than one page makes. */

export const templateVersionSchema = z.object({ version: z.number(), savedAt: z.string() });

export type TemplateVersion = z.infer<typeof templateVersionSchema>;

export const templateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().default(""),
  /** The export envelope of POST /api/v1/exports, as the server normalised it. */
  request: z.record(z.string(), z.unknown()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Only on GET /templates/{id}: every version, the current one first. */
  versions: z.array(templateVersionSchema).optional(),
});

export type Template = z.infer<typeof templateSchema>;

/** What POST and PUT /api/v1/templates take. */
export interface TemplateBody {
  name: string;
  description?: string;
  request: ExportEnvelope | Record<string, unknown>;
}

/** Every template query (lists and single templates) starts with this key. */
export const TEMPLATES_QUERY_KEY = ["templates"] as const;

export function templatesListQueryKey(search: string) {
  return [...TEMPLATES_QUERY_KEY, "list", search.trim()] as const;
}

export function templatePath(id: string): string {
  return `/api/v1/templates/${encodeURIComponent(id)}`;
}

/** GET /api/v1/templates, sorted by name; "?q=" searches names and descriptions. */
export function templatesPath(search: string): string {
  const q = search.trim();
  return q ? `/api/v1/templates?${new URLSearchParams({ q })}` : "/api/v1/templates";
}

export function listTemplates(search: string, signal?: AbortSignal): Promise<Template[]> {
  return apiJson(templatesPath(search), z.array(templateSchema), { signal });
}

/**
 * Saves a request as a template (201). 409 when the caller has a template of that name; 400 with fields named
 * inside the body ("name", "request.series.timeframe": a template's range must be relative).
 */
export function createTemplate(body: TemplateBody): Promise<Template> {
  return apiJson("/api/v1/templates", templateSchema, { method: "POST", body });
}
