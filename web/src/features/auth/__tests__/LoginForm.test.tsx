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

  it("shows field errors from a 400 under the matching input, without raw keys, and focuses that input", async () => {
    mockFetch({
      "POST /api/v1/auth/login": () =>
        problemResponse({ status: 400, title: "One or more validation errors occurred.", errors: { Email: ["Enter an email address."] } }),
    });
    renderWithClient(<LoginForm />);

    await signIn("someone@nowhere", "x");

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Check the highlighted fields.");
    expect(alert).not.toHaveTextContent("Email:");
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter an email address.");
    expect(screen.getByLabelText("Email")).toBeInvalid();
    await waitFor(() => expect(screen.getByLabelText("Email")).toHaveFocus());
  });

  it("checks an empty submit in the form: a message under each field, focus on the first, nothing sent", async () => {
    const requests = mockFetch({});
    renderWithClient(<LoginForm />);
    const user = userEvent.setup();

    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter your email address.");
    expect(screen.getByLabelText("Email")).toBeInvalid();
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password.");
    expect(screen.getByLabelText("Email")).toHaveFocus();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(requests).toHaveLength(0);

    // With the email typed, the password is what is left to fix: its message stays and it takes focus.
    await user.type(screen.getByLabelText("Email"), "demo@exports.local");
    expect(screen.getByLabelText("Email")).toBeValid();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByLabelText("Password")).toHaveFocus();
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password.");
    expect(requests).toHaveLength(0);
  });

  it("says an address without @ is not an email address before sending it", async () => {
    const requests = mockFetch({});
    renderWithClient(<LoginForm />);

    await signIn("demo", "demo-password");

    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter an email address such as name@example.com.");
    expect(screen.getByLabelText("Email")).toHaveFocus();
    expect(requests).toHaveLength(0);
  });

  it("moves focus to the message after a refused sign-in, every time", async () => {
    mockFetch({
      "POST /api/v1/auth/login": () =>
        problemResponse({ status: 401, title: "Unauthorized", detail: "Invalid email or password." }),
    });
    renderWithClient(<LoginForm />);

    await signIn("demo@exports.local", "wrong");
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveFocus());

    // A second refusal with the same error still moves focus back to the message.
    const user = userEvent.setup();
    await user.click(screen.getByLabelText("Password"));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByRole("alert")).toHaveFocus());
  });
});
