const table = "DYNAMODB_TABLE";
