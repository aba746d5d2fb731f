exports.handler = async function(event, context) {
	console.log(event);
	return event;
};
