// SCAFFOLD: replaced by the page's owner.
import type { Me } from "../api/session";

export function MyShiftsPage({ me }: { me: Me }) {
  return (
    <section class="page">
      <h1>My shifts</h1>
      <p>{me.organization.name}</p>
    </section>
  );
}
