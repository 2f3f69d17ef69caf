// SCAFFOLD: replaced by the notifications owner.
export function NotificationBell() {
  return <a href="/notifications" class="bell">Notifications</a>;
}
