declare module 'sodium-native' {
  const sodium: unknown;
  export default sodium;
}
