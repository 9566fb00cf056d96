// Express 4, installed as `express4` (npm:express@4) to test the adapter on both majors. Its API,
// as far as the tests use it, is typed like Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
