// An ES module handler (.mjs, `export const`): it logs its event and answers it inside a text body.
export const handler = async (event) => {
  const seen = JSON.stringify(event);
  console.log(seen);
  return { statusCode: 200, body: JSON.stringify(`response from localstack lambda: ${seen}`) };
};
