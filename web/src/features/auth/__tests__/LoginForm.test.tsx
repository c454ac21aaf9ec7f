import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { LoginForm } from "../components/LoginForm";

async function signIn(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("LoginForm", () => {
  it("posts the credentials and stores the signed-in user", async () => {
    const requests = mockFetch({
      "POST /api/v1/auth/login": () => jsonResponse({ id: 7, email: "demo@exports.local", name: "Demo" }),
    });
    const { client } = renderWithClient(<LoginForm />);

    await signIn("  demo@exports.local ", "demo-password");

    await waitFor(() => expect(client.getQueryData(["auth", "me"])).toEqual({ id: 7, email: "demo@exports.local", name: "Demo" }));
    expect(requests).toHaveLength(1);
    expect(requests[0]!.body).toEqual({ email: "demo@exports.local", password: "demo-password" });
    expect(requests[0]!.init.credentials).toBe("same-origin");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says the credentials are wrong on 401 and keeps the form", async () => {
    mockFetch({
      "POST /api/v1/auth/login": () =>
        problemResponse({ status: 401, title: "Unauthorized", detail: "Invalid email or password." }),
    });
    const { client } = renderWithClient(<LoginForm />);

    await signIn("demo@exports.local", "wrong");

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Email or password is incorrect.");
    expect(alert).toHaveTextContent("Invalid email or password.");
    expect(client.getQueryData(["auth", "me"])).toBeUndefined();
    expect(screen.getByLabelText("Email")).toHaveValue("demo@exports.local");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();
  });

  it("shows field errors from a 400 under the matching input", async () => {
    mockFetch({
      "POST /api/v1/auth/login": () =>
        problemResponse({ status: 400, title: "One or more validation errors occurred.", errors: { Email: ["Enter an email address."] } }),
    });
    renderWithClient(<LoginForm />);

    await signIn("not-an-email", "x");

    expect(await screen.findByRole("alert")).toHaveTextContent("One or more validation errors occurred.");
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter an email address.");
    expect(screen.getByLabelText("Email")).toBeInvalid();
  });
});
