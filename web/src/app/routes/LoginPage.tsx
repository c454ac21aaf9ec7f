import { LoginForm } from "../../features/auth/components/LoginForm";
import { Logo } from "../Logo";

export function LoginPage() {
  return (
    <main className="login-page">
      <div className="login-card">
        <div className="brand brand-large">
          <Logo />
          <span>Exports</span>
        </div>
        <h1 className="login-title">Sign in</h1>
        <p className="muted">Export time series and records as CSV, TSV, JSON or JSON Lines.</p>
        <LoginForm />
        <p className="login-hint">Demo: demo@exports.local</p>
      </div>
    </main>
  );
}
