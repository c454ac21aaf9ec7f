import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../../../lib/api-client";
import { SESSION_QUERY_KEY } from "../../../lib/query-client";
import { userSchema, type User } from "./user";

export interface Credentials {
  email: string;
  password: string;
}

export function login(credentials: Credentials): Promise<User> {
  return apiJson("/api/v1/auth/login", userSchema, { method: "POST", body: credentials });
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (user) => queryClient.setQueryData(SESSION_QUERY_KEY, user),
  });
}
