// `npm start`: the demo service. It arrives with the framework adapters (issue "Framework
// adapters"); until then this says so and shows what already works.
console.log('Dials: the demo service arrives with the adapters (@dials/express, @dials/nestjs).');
console.log('Until then, see README.md for the @dials/core example, and run `npm test`.');
