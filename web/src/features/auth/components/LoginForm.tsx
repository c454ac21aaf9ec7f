import { useEffect, useRef, useState, type FormEvent } from "react";
import { Alert } from "../../../components/ui/Alert";
import { Button } from "../../../components/ui/Button";
import { TextInput } from "../../../components/ui/TextInput";
import { errorsFor, isApiError } from "../../../lib/api-client";
import { focusElement } from "../../../lib/focus";
import { useLogin } from "../api/login";

interface FieldErrors {
  email?: string[] | undefined;
  password?: string[] | undefined;
}

// The browser's own check for type=email, without its messages (they are not announced with the field).
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** What is wrong before anything is sent: empty fields and an address without "@". */
export function checkCredentials(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!email) errors.email = ["Enter your email address."];
  else if (!EMAIL.test(email)) errors.email = ["Enter an email address such as name@example.com."];
  if (!password) errors.password = ["Enter your password."];
  return errors;
}

/**
 * Email and password. An empty or malformed field is reported under it before anything is sent, and focus
 * moves to the first field to fix; a refused sign-in moves focus to the message saying why (or to the field
 * the server names), so it is read out and focus never falls to <body>.
 */
export function LoginForm() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [checked, setChecked] = useState<FieldErrors>({});
  const [attempt, setAttempt] = useState(0);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const alertRef = useRef<HTMLDivElement>(null);
  const login = useLogin();
  const error = login.error;

  const emailErrors = checked.email ?? errorsFor(error, "email");
  const passwordErrors = checked.password ?? errorsFor(error, "password");

  // After a refused sign-in: the first field the server complains about, else the message.
  useEffect(() => {
    if (!error) return;
    if (errorsFor(error, "email")) focusElement(emailRef.current);
    else if (errorsFor(error, "password")) focusElement(passwordRef.current);
    else focusElement(alertRef.current);
  }, [error, attempt]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = email.trim();
    const errors = checkCredentials(trimmed, password);
    setChecked(errors);
    if (errors.email || errors.password) {
      login.reset();
      focusElement(errors.email ? emailRef.current : passwordRef.current);
      return;
    }
    login.mutate({ email: trimmed, password }, { onSettled: () => setAttempt((count) => count + 1) });
  };

  const fieldErrorsShown = isApiError(error) && (errorsFor(error, "email") || errorsFor(error, "password"));

  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Sign in">
      {error && (
        <Alert
          ref={alertRef}
          title={
            isApiError(error) && error.status === 401
              ? "Email or password is incorrect."
              : isApiError(error)
                ? fieldErrorsShown
                  ? "Check the highlighted fields."
                  : error.title
                : "Sign-in failed"
          }
        >
          {isApiError(error) ? (
            error.detail && <p className="alert-detail">{error.detail}</p>
          ) : (
            <p className="alert-detail">{error instanceof Error ? error.message : String(error)}</p>
          )}
        </Alert>
      )}
      <TextInput
        ref={emailRef}
        label="Email"
        type="email"
        name="email"
        autoComplete="username"
        required
        value={email}
        onChange={(value) => {
          setEmail(value);
          if (checked.email) setChecked((current) => ({ ...current, email: undefined }));
        }}
        errors={emailErrors}
      />
      <TextInput
        ref={passwordRef}
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(value) => {
          setPassword(value);
          if (checked.password) setChecked((current) => ({ ...current, password: undefined }));
        }}
        errors={passwordErrors}
      />
      <Button type="submit" variant="primary" disabled={login.isPending}>
        {login.isPending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
