import { LoginForm } from "../../features/auth/components/LoginForm";
import { usePageTitle } from "../../lib/use-page-title";
import { Logo } from "../Logo";

export function LoginPage() {
  usePageTitle("Sign in");
  return (
    <main className="login-page">
      <div className="login-card">
        <div className="brand brand-large">
          <Logo />
          <span>Exports</span>
        </div>
        <h1 className="login-title">Sign in</h1>
        <p className="muted">Export time series, event records and dashboards as files, on demand or on a schedule.</p>
        <LoginForm />
        <p className="login-hint">Demo: demo@exports.local</p>
      </div>
    </main>
  );
}
