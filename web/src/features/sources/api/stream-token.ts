import { z } from "zod";

/** A source's stream tokens (/api/v1/sources/{source}/stream-tokens): the token itself is only in the create answer. */

export const streamTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The token's first characters, to tell tokens apart. */
  prefix: z.string(),
  origins: z.array(z.string()).default([]),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullish(),
});

export type StreamToken = z.infer<typeof streamTokenSchema>;

/** The create answer: the token, shown once, and the stream's address that carries it. */
export const createdStreamTokenSchema = streamTokenSchema.extend({ token: z.string(), url: z.string() });

export type CreatedStreamToken = z.infer<typeof createdStreamTokenSchema>;

export interface StreamTokenBody {
  name?: string;
  /** Origins (https://app.example.com) whose pages may read the stream; [] for curl and servers. */
  origins: string[];
  /** 1 to 365; the server's default is 30. */
  expiresInDays?: number;
}

export const streamTokensQueryKey = (source: string) => ["sources", source, "stream-tokens"] as const;

export function streamTokensPath(source: string, id?: string): string {
  const base = `/api/v1/sources/${encodeURIComponent(source)}/stream-tokens`;
  return id ? `${base}/${encodeURIComponent(id)}` : base;
}
