import { Button } from "../../../components/ui/Button";
import { useLogout } from "../api/logout";

export function UserMenu({ email }: { email: string }) {
  const logout = useLogout();
  return (
    <div className="user-menu">
      <span className="user-email" title="Signed in as">
        {email}
      </span>
      <Button size="sm" variant="ghost" onClick={() => logout.mutate()} disabled={logout.isPending}>
        Log out
      </Button>
      {logout.isError && (
        <span role="alert" className="inline-error">
          Could not log out. Try again.
        </span>
      )}
    </div>
  );
}
