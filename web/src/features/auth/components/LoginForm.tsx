import { useState, type FormEvent } from "react";
import { Alert, ProblemAlert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { useLogin } from "../api/login";

export function LoginForm() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useLogin();
  const error = login.error;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    login.mutate({ email: email.trim(), password });
  };

  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Sign in">
      {error &&
        (isApiError(error) && error.status === 401 ? (
          <Alert title="Email or password is incorrect.">
            {error.detail && <p className="alert-detail">{error.detail}</p>}
          </Alert>
        ) : isApiError(error) ? (
          <ProblemAlert error={error} />
        ) : (
          <Alert title="Sign-in failed">
            <p className="alert-detail">{String(error)}</p>
          </Alert>
        ))}
      <TextInput
        label="Email"
        type="email"
        name="email"
        autoComplete="username"
        required
        value={email}
        onChange={setEmail}
        errors={errorsFor(error, "email")}
      />
      <TextInput
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={setPassword}
        errors={errorsFor(error, "password")}
      />
      <Button type="submit" variant="primary" disabled={login.isPending}>
        {login.isPending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
