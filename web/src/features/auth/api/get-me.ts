import { useQuery } from "@tanstack/react-query";
import { apiJson, isApiError } from "../../../lib/api-client";
import { SESSION_QUERY_KEY } from "../../../lib/query-client";
import { userSchema, type User } from "./user";

/** The signed-in user, or null when there is no session (401). */
export async function getMe(): Promise<User | null> {
  try {
    return await apiJson("/api/v1/auth/me", userSchema);
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

export function useMe() {
  return useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: getMe, staleTime: Infinity });
}
