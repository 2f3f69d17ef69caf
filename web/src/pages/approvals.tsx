// SCAFFOLD: replaced by the page's owner.
import type { Me } from "../api/session";

export function ApprovalsPage({ me }: { me: Me }) {
  return (
    <section class="page">
      <h1>Approvals</h1>
      <p>{me.organization.name}</p>
    </section>
  );
}
