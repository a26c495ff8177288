export function title(vendor) {
  return `The ${vendor} panel`;
}
