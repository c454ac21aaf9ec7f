import { z } from "zod";

export const userSchema = z.object({
  id: z.union([z.string(), z.number()]),
  email: z.string(),
  name: z.string().nullish(),
});

export type User = z.infer<typeof userSchema>;
