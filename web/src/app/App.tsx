import { Alert } from "../components/ui/Alert";
import { Button } from "../components/ui/Button";
import { useMe } from "../features/auth/api/get-me";
import { AppLayout } from "./AppLayout";
import { AppProvider } from "./provider";
import { ExplorePage } from "./routes/ExplorePage";
import { LoginPage } from "./routes/LoginPage";

export function App() {
  return (
    <AppProvider>
      <AuthGate />
    </AppProvider>
  );
}

/** The whole routing: no session shows Login, a session shows Explore. */
function AuthGate() {
  const me = useMe();
  if (me.isPending) {
    return (
      <p className="splash" role="status">
        Loading…
      </p>
    );
  }
  if (me.isError) {
    return (
      <main className="splash">
        <Alert title="Exports cannot reach its server.">
          <p className="alert-detail">{me.error.message}</p>
          <Button onClick={() => void me.refetch()}>Try again</Button>
        </Alert>
      </main>
    );
  }
  if (!me.data) return <LoginPage />;
  return (
    <AppLayout user={me.data}>
      <ExplorePage />
    </AppLayout>
  );
}
