// @mailchimp/mailchimp_marketing ships no type declarations; the tests use it untyped.
declare module '@mailchimp/mailchimp_marketing' {
  const client: any
  export default client
}
