exports.handler = async function(event, context) {
    console.log("no return value");
};
