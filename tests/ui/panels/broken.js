// A panel whose mount fails: the dashboard must carry on without it.
export function mount() {
  throw new Error("this panel is broken");
}
